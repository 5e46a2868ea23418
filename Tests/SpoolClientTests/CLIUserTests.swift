import Foundation
import SpoolTestSupport
import Testing

/// `spool user create|list|delete` against a real `spool serve`: passwords from an option or standard input,
/// both mechanisms, Kafka's refusals as clear failures, and no password or key in the broker's log.
@Suite("spool user", .serialized, .timeLimit(.minutes(2)))
struct CLIUserTests {
    let spool = TestBroker.binary

    @Test("create (option and stdin), list as table and JSON, delete one mechanism and then all")
    func createListDelete() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let created = try await runProcess(spool, ["user", "create", "alice", "--password", "opt-secret-1"] + b)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("SCRAM-SHA-512"), "\(created.stdout)")
        let piped = try await runProcess(
            spool, ["user", "create", "alice", "--password-stdin", "--mechanism", "scram-sha-256",
                    "--iterations", "8192"] + b,
            stdin: "stdin-secret-2\n")
        #expect(piped.status == 0, "\(piped.stderr)")

        let table = try await runProcess(spool, ["user", "list"] + b)
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.contains(["alice", "SCRAM-SHA-256", "8192"]), "\(table.stdout)")
        #expect(rows.contains(["alice", "SCRAM-SHA-512", "4096"]), "\(table.stdout)")
        let json = try await runProcess(spool, ["user", "list", "alice", "--format", "json"] + b)
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json.stdout)")
        #expect(entries.compactMap { $0["mechanism"] as? String } == ["SCRAM-SHA-256", "SCRAM-SHA-512"])

        let one = try await runProcess(spool, ["user", "delete", "alice", "--mechanism", "SCRAM-SHA-256"] + b)
        #expect(one.status == 0, "\(one.stderr)")
        let left = try await runProcess(spool, ["user", "list", "--format", "json"] + b)
        #expect(left.stdout.contains("SCRAM-SHA-512") && !left.stdout.contains("SCRAM-SHA-256"), "\(left.stdout)")
        let all = try await runProcess(spool, ["user", "delete", "alice"] + b)
        #expect(all.status == 0 && all.stdout.contains("SCRAM-SHA-512"), "\(all.stdout) \(all.stderr)")
        let gone = try await runProcess(spool, ["user", "list", "alice"] + b)
        #expect(gone.status == 1 && gone.stderr.contains("RESOURCE_NOT_FOUND"), "\(gone.stderr)")

        // The broker logged the changes without a password.
        #expect(broker.log.contains("SCRAM credential stored"), "\(broker.log)")
        #expect(!broker.log.contains("opt-secret-1") && !broker.log.contains("stdin-secret-2"))
    }

    @Test("bad arguments fail before anything is sent, and the broker's refusals are reported")
    func refusals() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let both = try await runProcess(
            spool, ["user", "create", "bob", "--password", "x", "--password-stdin"] + b, stdin: "y\n")
        #expect(both.status != 0 && both.stderr.contains("exactly one"), "\(both.stderr)")
        let neither = try await runProcess(spool, ["user", "create", "bob"] + b)
        #expect(neither.status != 0 && neither.stderr.contains("exactly one"), "\(neither.stderr)")
        let few = try await runProcess(spool, ["user", "create", "bob", "--password", "x", "--iterations", "100"] + b)
        #expect(few.status != 0 && few.stderr.contains("4096"), "\(few.stderr)")
        let mechanism = try await runProcess(
            spool, ["user", "create", "bob", "--password", "x", "--mechanism", "SCRAM-MD5"] + b)
        #expect(mechanism.status != 0 && mechanism.stderr.contains("SCRAM-SHA-512"), "\(mechanism.stderr)")
        let empty = try await runProcess(spool, ["user", "create", "bob", "--password-stdin"] + b, stdin: "")
        #expect(empty.status == 1 && empty.stderr.contains("no password"), "\(empty.stderr)")
        let missing = try await runProcess(spool, ["user", "delete", "nobody", "--mechanism", "SCRAM-SHA-256"] + b)
        #expect(missing.status == 1 && missing.stderr.contains("RESOURCE_NOT_FOUND"), "\(missing.stderr)")
    }
}
