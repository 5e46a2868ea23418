import Foundation
import SpoolTestSupport
import Testing

/// `spool group describe` as kafka-consumer-groups users expect: a missing group says so, lag is totalled.
@Suite("spool group describe", .serialized, .timeLimit(.minutes(2)))
struct CLIGroupTests {
    let spool = TestBroker.binary

    @Test("an unknown group does not exist (exit 1); a known one shows its total lag")
    func unknownGroupAndTotalLag() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let missing = try await runProcess(spool, ["group", "describe", "nosuch"] + b)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("group nosuch does not exist"), "\(missing.stderr)")

        _ = try await runProcess(spool, ["topic", "create", "lagging", "--partitions", "1"] + b)
        _ = try await runProcess(spool, ["produce", "lagging"] + b, stdin: (1...5).map { "r\($0)" }.joined(separator: "\n"))
        let consumed = try await runProcess(
            spool, ["consume", "lagging", "--group", "slow", "--from-beginning", "--count", "2"] + b)
        #expect(consumed.status == 0, "\(consumed.stderr)")
        let described = try await runProcess(spool, ["group", "describe", "slow"] + b)
        #expect(described.status == 0, "\(described.stderr)")
        #expect(described.stdout.contains("total lag 3"), "\(described.stdout)")
        let json = try await runProcess(spool, ["group", "describe", "slow", "--format", "json"] + b)
        #expect(json.stdout.contains("\"totalLag\" : 3"), "\(json.stdout)")
    }

    @Test("deleting several topics reports each: the ones deleted, and why another was not (exit 1)")
    func deleteReportsEachTopic() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        _ = try await runProcess(spool, ["topic", "create", "old-1"] + b)
        _ = try await runProcess(spool, ["topic", "create", "old-2"] + b)
        let deleted = try await runProcess(spool, ["topic", "delete", "old-1", "never-was", "old-2"] + b)
        #expect(deleted.status == 1)
        #expect(deleted.stdout == "deleted topic old-1\ndeleted topic old-2\n", "\(deleted.stdout)")
        #expect(deleted.stderr.contains("never-was") && deleted.stderr.contains("UNKNOWN_TOPIC_OR_PARTITION"),
                "\(deleted.stderr)")
        #expect(!(try await runProcess(spool, ["topic", "list"] + b)).stdout.contains("old-"))
    }

    @Test("a partition the topic does not have is named as such, not answered with 'create the topic'")
    func missingPartition() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        _ = try await runProcess(spool, ["topic", "create", "three", "--partitions", "3"] + b)
        let consume = try await runProcess(spool, ["consume", "three", "--partition", "7", "--exit-at-end"] + b)
        #expect(consume.status == 1)
        #expect(consume.stderr.contains("topic three has 3 partitions (0 to 2): there is no partition 7"),
                "\(consume.stderr)")
        #expect(!consume.stderr.contains("spool topic create"), "\(consume.stderr)")
        let produce = try await runProcess(spool, ["produce", "three", "--partition", "9"] + b, stdin: "x\n")
        #expect(produce.status == 1)
        #expect(produce.stderr.contains("there is no partition 9"), "\(produce.stderr)")
    }
}
