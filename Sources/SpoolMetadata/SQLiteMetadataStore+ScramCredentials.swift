import Foundation
import GRDB

extension SQLiteMetadataStore: ScramCredentialStore {
    public func alterScramCredentials(
        upserting upsertions: [StoredScramCredential], deleting deletions: [(user: String, mechanism: String)]
    ) async throws {
        // Tuples are not Sendable-checked through the closure; copy them into a Sendable shape first.
        let deleted = deletions.map { [$0.user, $0.mechanism] }
        try await write { db in
            for pair in deleted {
                try db.execute(
                    sql: "DELETE FROM scram_credential WHERE user_name = ? AND mechanism = ?",
                    arguments: [pair[0], pair[1]])
            }
            for credential in upsertions { try Self.upsert(db, credential) }
        }
    }

    public func saveScramCredential(_ credential: StoredScramCredential) async throws {
        try await write { db in try Self.upsert(db, credential) }
    }

    @discardableResult
    public func deleteScramCredential(user: String, mechanism: String) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM scram_credential WHERE user_name = ? AND mechanism = ?", arguments: [user, mechanism])
            return db.changesCount > 0
        }
    }

    public func scramCredentialSummaries() async throws -> [ScramCredentialSummary] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT user_name, mechanism, iterations FROM scram_credential ORDER BY user_name, mechanism
                """
            ).map { row in
                ScramCredentialSummary(
                    user: try row.decode(forColumn: "user_name"), mechanism: try row.decode(forColumn: "mechanism"),
                    iterations: try row.decode(forColumn: "iterations"))
            }
        }
    }

    public func scramCredential(user: String, mechanism: String) async throws -> StoredScramCredential? {
        try await read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM scram_credential WHERE user_name = ? AND mechanism = ?",
                arguments: [user, mechanism])
            guard let row else { return nil }
            let salt: Data = try row.decode(forColumn: "salt")
            let storedKey: Data = try row.decode(forColumn: "stored_key")
            let serverKey: Data = try row.decode(forColumn: "server_key")
            return StoredScramCredential(
                user: user, mechanism: mechanism, salt: Array(salt),
                iterations: try row.decode(forColumn: "iterations"), storedKey: Array(storedKey),
                serverKey: Array(serverKey))
        }
    }

    private static func upsert(_ db: Database, _ credential: StoredScramCredential) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO scram_credential
                    (user_name, mechanism, salt, iterations, stored_key, server_key)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                credential.user, credential.mechanism, Data(credential.salt), credential.iterations,
                Data(credential.storedKey), Data(credential.serverKey),
            ])
    }
}
