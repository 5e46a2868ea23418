import Foundation
import SpoolTestSupport
import Testing

/// `spool acl create|list|delete` against a real `spool serve` with the authorizer on (the CLI connects as
/// User:ANONYMOUS, made a super user here).
@Suite("spool acl", .serialized, .timeLimit(.minutes(2)))
struct CLIAclTests {
    let spool = TestBroker.binary

    @Test("acl create, list (table and json, by resource and MATCH) and delete round trip; the broker without an authorizer says so")
    func createListDelete() async throws {
        let broker = try await TestBroker(extraArguments: [
            "--set", "authorizer.class.name=spool", "--set", "super.users=User:ANONYMOUS",
        ])
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let created = try await runProcess(spool, [
            "acl", "create", "--allow-principal", "User:alice", "--operation", "read", "--operation", "DESCRIBE",
            "--topic", "orders", "--group", "billing",
        ] + b)
        #expect(created.status == 0 && created.stdout.contains("created 4 ACLs"), "\(created)")
        let prefixed = try await runProcess(spool, [
            "acl", "create", "--deny-principal", "User:bob", "--operation", "WRITE", "--topic", "ord",
            "--resource-pattern-type", "prefixed",
        ] + b)
        #expect(prefixed.status == 0, "\(prefixed)")

        let table = try await runProcess(spool, ["acl", "list"] + b)
        #expect(table.status == 0 && table.stdout.contains("PRINCIPAL"), "\(table)")
        #expect(table.stdout.split(separator: "\n").count == 6, "\(table.stdout)")
        let matching = try await runProcess(
            spool, ["acl", "list", "--topic", "orders", "--resource-pattern-type", "match", "--format", "json"] + b)
        let objects = (try? JSONSerialization.jsonObject(with: Data(matching.stdout.utf8))) as? [[String: Any]] ?? []
        #expect(Set(objects.compactMap { $0["resourceName"] as? String }) == ["orders", "ord"], "\(matching)")

        let deleted = try await runProcess(
            spool, ["acl", "delete", "--topic", "orders", "--allow-principal", "User:alice", "--operation", "READ"] + b)
        #expect(deleted.status == 0 && deleted.stdout.contains("READ") && !deleted.stdout.contains("DESCRIBE"),
                "\(deleted)")
        let left = try await runProcess(spool, ["acl", "list", "--topic", "orders", "--format", "json"] + b)
        #expect(left.stdout.contains("DESCRIBE") && !left.stdout.contains("\"READ\""), "\(left)")

        let plain = try await TestBroker()
        defer { Task { await plain.stop() } }
        let disabled = try await runProcess(spool, ["acl", "list", "-b", plain.bootstrap])
        #expect(disabled.status != 0 && disabled.stderr.contains("SECURITY_DISABLED"), "\(disabled)")
    }
}
