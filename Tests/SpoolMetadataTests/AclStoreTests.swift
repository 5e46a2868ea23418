import Foundation
import Testing

@testable import SpoolMetadata

/// ACL bindings in SQLite: created once each, listed and deleted by filter, kept across reopening.
struct AclStoreTests {
    private static func acl(_ name: String, _ operation: String, principal: String = "User:alice") -> StoredAcl {
        StoredAcl(resourceType: "TOPIC", resourceName: name, patternType: "LITERAL", principal: principal, host: "*",
                  operation: operation, permissionType: "ALLOW")
    }

    @Test("bindings are stored once, listed and deleted by filter (deleted ones returned per filter), and persist")
    func createListDelete() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            let read = Self.acl("a", "READ")
            let write = Self.acl("a", "WRITE")
            let bob = Self.acl("b", "READ", principal: "User:bob")
            try await store.createAcls([read, write, bob, read])
            #expect(try await store.acls().count == 3)
            #expect(try await store.acls(matching: StoredAclFilter([.principal: "User:bob"])) == [bob])
            let deleted = try await store.deleteAcls(matching: [
                StoredAclFilter([.resourceName: "a", .operation: "WRITE"]), StoredAclFilter(exactly: write),
            ])
            #expect(deleted == [[write], []])
            try store.close()

            let reopened = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? reopened.close() }
            #expect(Set(try await reopened.acls()) == [read, bob])
        }
    }
}
