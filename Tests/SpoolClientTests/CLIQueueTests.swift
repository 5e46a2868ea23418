import Foundation
import SpoolTestSupport
import Testing

/// `spool queue consume` as a worker: it prints what it takes and accepts, releases or rejects it.
@Suite("spool queue consume", .serialized, .timeLimit(.minutes(2)))
struct CLIQueueTests {
    let spool = TestBroker.binary

    @Test("reject: never delivered again; release: delivered again with count 2; default: accepted once")
    func acknowledgements() async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "group.share.auto.offset.reset=earliest"])
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let format = ["--format", "%o %v %d\\n"]
        _ = try await runProcess(spool, ["topic", "create", "tasks", "--partitions", "1"] + b)
        let messages = (1...5).map { "m\($0)" }.joined(separator: "\n")
        _ = try await runProcess(spool, ["produce", "tasks"] + b, stdin: messages)

        let poison = try await runProcess(
            spool, ["queue", "consume", "w", "tasks", "--reject", "--count", "1", "--max-records", "1"] + format + b)
        #expect(poison.status == 0, "\(poison.stderr)")
        #expect(poison.stdout == "0 m1 1\n")
        let released = try await runProcess(
            spool, ["queue", "consume", "w", "tasks", "--release", "--count", "1", "--max-records", "1"] + format + b)
        #expect(released.status == 0, "\(released.stderr)")
        #expect(released.stdout == "1 m2 1\n")

        let rest = try await runProcess(
            spool, ["queue", "consume", "w", "tasks", "--exit-when-idle", "--idle-ms", "1000"] + format + b)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout == "1 m2 2\n2 m3 1\n3 m4 1\n4 m5 1\n")
        let nothing = try await runProcess(
            spool, ["queue", "consume", "w", "tasks", "--exit-when-idle", "--idle-ms", "500", "--format", "json"] + b)
        #expect(nothing.status == 0 && nothing.stdout.isEmpty, "\(nothing.stdout) \(nothing.stderr)")

        let both = try await runProcess(spool, ["queue", "consume", "w", "tasks", "--release", "--reject"] + b)
        #expect(both.status != 0 && both.stderr.contains("choose one of --release and --reject"), "\(both.stderr)")
    }
}
