import Foundation
import Testing

@testable import SpoolMetadata

/// The SCRAM credential table: upserts replace per (user, mechanism), deletes report whether there was a row,
/// summaries never carry keys, and everything survives reopening the file.
@Suite struct ScramCredentialStoreTests {
    private func credential(_ user: String, _ mechanism: String = "SCRAM-SHA-256", iterations: Int32 = 4096,
                            fill: UInt8 = 1) -> StoredScramCredential
    {
        StoredScramCredential(
            user: user, mechanism: mechanism, salt: [fill, 2, 3], iterations: iterations,
            storedKey: Array(repeating: fill, count: 32), serverKey: Array(repeating: fill &+ 1, count: 32))
    }

    @Test("upsert, load, replace, list and delete credentials per user and mechanism")
    func crud() async throws {
        try await withStore { store in
            #expect(try await store.scramCredential(user: "alice", mechanism: "SCRAM-SHA-256") == nil)
            try await store.saveScramCredential(credential("alice"))
            try await store.saveScramCredential(credential("alice", "SCRAM-SHA-512", iterations: 8192))
            try await store.saveScramCredential(credential("a,b=c"))
            #expect(try await store.scramCredential(user: "alice", mechanism: "SCRAM-SHA-256") == credential("alice"))

            // An upsert of the same (user, mechanism) replaces the row.
            let replaced = credential("alice", iterations: 16384, fill: 9)
            try await store.saveScramCredential(replaced)
            #expect(try await store.scramCredential(user: "alice", mechanism: "SCRAM-SHA-256") == replaced)

            #expect(try await store.scramCredentialSummaries() == [
                ScramCredentialSummary(user: "a,b=c", mechanism: "SCRAM-SHA-256", iterations: 4096),
                ScramCredentialSummary(user: "alice", mechanism: "SCRAM-SHA-256", iterations: 16384),
                ScramCredentialSummary(user: "alice", mechanism: "SCRAM-SHA-512", iterations: 8192),
            ])
            #expect(try await store.deleteScramCredential(user: "alice", mechanism: "SCRAM-SHA-256"))
            #expect(try await !store.deleteScramCredential(user: "alice", mechanism: "SCRAM-SHA-256"))
            #expect(try await store.scramCredentialSummaries().map(\.user) == ["a,b=c", "alice"])
        }
    }

    @Test("alterScramCredentials deletes and upserts in one transaction; a bad row rolls all of it back")
    func alterIsAtomic() async throws {
        try await withStore { store in
            try await store.saveScramCredential(credential("old"))
            try await store.alterScramCredentials(
                upserting: [credential("new"), credential("new", "SCRAM-SHA-512")],
                deleting: [(user: "old", mechanism: "SCRAM-SHA-256"), (user: "missing", mechanism: "SCRAM-SHA-256")])
            #expect(try await store.scramCredentialSummaries().map { "\($0.user)/\($0.mechanism)" }
                == ["new/SCRAM-SHA-256", "new/SCRAM-SHA-512"])

            // The table refuses a mechanism it does not know: nothing of the call is kept.
            await expectMetadataError(.storage) {
                try await store.alterScramCredentials(
                    upserting: [credential("other"), credential("new", "SCRAM-MD5")],
                    deleting: [(user: "new", mechanism: "SCRAM-SHA-256")])
            }
            #expect(try await store.scramCredentialSummaries().count == 2)
        }
    }

    @Test("credentials survive closing and reopening the database")
    func persists() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            try await store.saveScramCredential(credential("alice", "SCRAM-SHA-512"))
            try store.close()
            let reopened = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? reopened.close() }
            #expect(try await reopened.scramCredential(user: "alice", mechanism: "SCRAM-SHA-512")
                == credential("alice", "SCRAM-SHA-512"))
        }
    }
}
