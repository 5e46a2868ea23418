import Foundation
import SpoolMetadata
import Testing

@testable import SpoolBroker

/// The authorizer's decisions on its own, over a real SQLite store: Kafka's matching rules.
@Suite struct AuthorizerTests {
    private static let alice = KafkaPrincipal(name: "alice")
    private static let bob = KafkaPrincipal(name: "bob")

    private func authorizer(_ bindings: [AclBinding], superUsers: String = "", allowEveryone: Bool = false)
        async throws -> Authorizer
    {
        let store = try SQLiteMetadataStore(dataDirectory: temporaryDataDirectory())
        let authorizer = Authorizer(
            store: store, superUsers: Authorizer.superUsers(superUsers), allowEveryoneIfNoAclFound: allowEveryone)
        try await authorizer.create(bindings)
        return authorizer
    }

    private func acl(_ type: AclResourceType, _ name: String, pattern: AclPatternType = .literal,
                     principal: String = "User:alice", host: String = "*", _ operation: AclOperation,
                     _ permission: AclPermissionType = .allow) -> AclBinding
    {
        AclBinding(resourceType: type, resourceName: name, patternType: pattern, principal: principal, host: host,
                   operation: operation, permission: permission)
    }

    @Test("an ALLOW grants only its operation, to its principal, on its resource; DENY wins over ALLOW and ALL")
    func allowAndDeny() async throws {
        let authorizer = try await authorizer([
            acl(.topic, "a", .read), acl(.topic, "b", .all), acl(.topic, "b", .write, .deny),
        ])
        #expect(authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("a")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .write, .topic("a")))
        #expect(!authorizer.authorize(Self.bob, host: "/127.0.0.1", .read, .topic("a")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .group("a")))
        #expect(authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("b")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .write, .topic("b")))
    }

    @Test("DESCRIBE is implied by READ, WRITE, DELETE and ALTER, DESCRIBE_CONFIGS by ALTER_CONFIGS; a DENY of READ does not deny DESCRIBE")
    func impliedOperations() async throws {
        let authorizer = try await authorizer([
            acl(.topic, "r", .read), acl(.topic, "w", .write), acl(.topic, "d", .delete), acl(.topic, "al", .alter),
            acl(.topic, "c", .alterConfigs), acl(.topic, "x", .describe), acl(.topic, "x", .read, .deny),
            acl(.topic, "cr", .create),
        ])
        for name in ["r", "w", "d", "al", "x"] {
            #expect(authorizer.authorize(Self.alice, host: "/127.0.0.1", .describe, .topic(name)), "\(name)")
        }
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .describe, .topic("cr")))
        #expect(authorizer.authorize(Self.alice, host: "/127.0.0.1", .describeConfigs, .topic("c")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("x")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("r2")))
    }

    @Test("PREFIXED matches names that start with it, LITERAL * matches every name, User:* every user, hosts exactly")
    func patternsAndWildcards() async throws {
        let authorizer = try await authorizer([
            acl(.topic, "orders.", pattern: .prefixed, .read), acl(.group, "*", .read),
            acl(.topic, "public", principal: "User:*", .read), acl(.topic, "lan", host: "10.0.0.1", .read),
        ])
        #expect(authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("orders.eu")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("order")))
        #expect(authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .group("anything")))
        #expect(authorizer.authorize(Self.bob, host: "/127.0.0.1", .read, .topic("public")))
        #expect(authorizer.authorize(Self.alice, host: "/10.0.0.1", .read, .topic("lan")))
        #expect(!authorizer.authorize(Self.alice, host: "/127.0.0.1", .read, .topic("lan")))
    }

    @Test("super.users are allowed everything; allow.everyone.if.no.acl.found opens only resources no ACL covers")
    func superUsersAndNoAcl() async throws {
        let closed = try await authorizer([acl(.topic, "a", .read)], superUsers: "User:admin; User:ops")
        #expect(closed.authorize(KafkaPrincipal(name: "ops"), host: "", .delete, .cluster))
        #expect(closed.authorize(KafkaPrincipal(name: "admin"), host: "", .write, .topic("a")))
        #expect(!closed.authorize(Self.bob, host: "", .read, .topic("uncovered")))
        let open = try await authorizer([acl(.topic, "a", .read)], allowEveryone: true)
        #expect(open.authorize(Self.bob, host: "", .write, .topic("uncovered")))
        // "a" has an ACL (for alice): bob is not let in by the fallback.
        #expect(!open.authorize(Self.bob, host: "", .read, .topic("a")))
    }

    @Test("a connection's cached decision is dropped when the ACLs change")
    func cacheFollowsChanges() async throws {
        let authorizer = try await authorizer([])
        let session = ConnectionSession(remote: "test", host: "/127.0.0.1", principal: Self.alice)
        func decide() -> Bool {
            session.decision(.read, .topic("a"), generation: authorizer.generation) {
                authorizer.authorize($0, host: session.host, .read, .topic("a"))
            }
        }
        #expect(!decide())
        try await authorizer.create([acl(.topic, "a", .read)])
        #expect(decide())
        let deleted = try await authorizer.delete([
            try AclFilter.parsing(resourceType: AclResourceType.topic.rawValue, resourceName: "a",
                                  patternType: AclPatternType.any.rawValue, principal: nil, host: nil,
                                  operation: AclOperation.any.rawValue, permission: AclPermissionType.any.rawValue),
        ])
        #expect(deleted.map(\.count) == [1])
        #expect(!decide())
    }
}
