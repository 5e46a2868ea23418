import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SpoolTestSupport
import Testing

/// The `spool` client commands end to end: the binary from this build against a real broker.
@Suite("spool CLI", .serialized, .timeLimit(.minutes(2)))
struct CLITests {
    let spool = TestBroker.binary

    @Test("topic create, list, describe, alter-config and delete; produce and consume lines with keys and headers")
    func topicProduceConsume() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let create = try await runProcess(
            spool,
            [
                "topic", "create", "orders", "--partitions", "3", "--config",
                "retention.ms=86400000",
            ] + b)
        #expect(create.status == 0, "\(create.stderr)")
        let list = try await runProcess(spool, ["topic", "list"] + b)
        #expect(list.stdout.contains("orders  3"), "\(list.stdout)")
        let json = try await runProcess(spool, ["topic", "list", "--format", "json"] + b)
        #expect(json.stdout.contains("\"name\" : \"orders\""), "\(json.stdout)")

        let lines = (0..<300).map { "k\($0 % 10):value-\($0)" }
        let produce = try await runProcess(
            spool, ["produce", "orders", "--key-separator", ":", "--header", "src=cli", "--compression", "lz4"] + b,
            stdin: lines.joined(separator: "\n") + "\n")
        #expect(produce.status == 0, "\(produce.stderr)")

        let all = try await runProcess(spool, ["consume", "orders", "--from-beginning", "--exit-at-end"] + b)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(Set(all.stdout.split(separator: "\n").map(String.init)) == Set((0..<300).map { "value-\($0)" }))

        let records = try await runProcess(
            spool,
            ["consume", "orders", "--from-beginning", "--count", "5", "--format", "json", "--partition", "1"] + b)
        let objects = records.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 5, "\(records.stdout) \(records.stderr)")
        #expect(objects.allSatisfy { $0["partition"] as? Int == 1 && ($0["key"] as? String)?.hasPrefix("k") == true })
        #expect(objects.map { $0["offset"] as? Int } == [0, 1, 2, 3, 4])

        let offset = try await runProcess(
            spool,
            [
                "consume", "orders", "--partition", "0", "--offset", "3", "--count", "1",
                "--format", "json",
            ] + b)
        #expect(offset.stdout.contains("\"offset\":3"), "\(offset.stdout) \(offset.stderr)")

        let alter = try await runProcess(
            spool,
            [
                "topic", "alter-config", "orders", "--set", "retention.ms=1000",
                "--partitions", "4",
            ] + b)
        #expect(alter.status == 0, "\(alter.stderr)")
        let describe = try await runProcess(spool, ["topic", "describe", "orders"] + b)
        #expect(describe.stdout.contains("partitions 4"), "\(describe.stdout)")
        #expect(describe.stdout.contains("retention.ms  1000"), "\(describe.stdout)")
        let delete = try await runProcess(spool, ["topic", "delete", "orders"] + b)
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(!(try await runProcess(spool, ["topic", "list"] + b)).stdout.contains("orders"))
    }

    @Test("produce --file with acks 1 and gzip; consume --timestamp in ISO 8601 and in milliseconds")
    func fileAndTimestamps() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let file = NSTemporaryDirectory() + "spool-cli-lines-\(UUID().uuidString).txt"
        try "old-1\nold-2\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let first = try await runProcess(
            spool, ["produce", "times", "--file", file, "--acks", "1", "--compression", "gzip"] + b)
        #expect(first.status == 0, "\(first.stderr)")
        try await Task.sleep(for: .milliseconds(50))
        let between = Date()
        try await Task.sleep(for: .milliseconds(50))
        _ = try await runProcess(spool, ["produce", "times"] + b, stdin: "new-1\n")
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let byDate = try await runProcess(
            spool, ["consume", "times", "--timestamp", iso.string(from: between), "--exit-at-end"] + b)
        #expect(byDate.stdout == "new-1\n", "\(byDate.stderr)")
        let byMilliseconds = try await runProcess(spool, ["consume", "times", "--timestamp", "0", "--exit-at-end"] + b)
        #expect(byMilliseconds.stdout == "old-1\nold-2\nnew-1\n", "\(byMilliseconds.stderr)")
        let bad = try await runProcess(spool, ["consume", "times", "--timestamp", "yesterday"] + b)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad --timestamp 'yesterday'"), "\(bad.stderr)")
        let missingFile = try await runProcess(spool, ["produce", "times", "--file", "/nonexistent/x"] + b)
        #expect(missingFile.stderr.contains("cannot read --file /nonexistent/x"), "\(missingFile.stderr)")
    }

    @Test("a broker that accepts connections and never answers gets the timeout hint, not a Kafka code")
    func silentBroker() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let address = "127.0.0.1:\(silent.port)"
        let result = try await runProcess(spool, ["topic", "list", "-b", address, "--timeout-ms", "500"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("timed out"), "\(result.stderr)")
        #expect(result.stderr.contains("did not answer in time"), "\(result.stderr)")
        #expect(result.stderr.contains("--timeout-ms"), "\(result.stderr)")
    }

    @Test("errors say what failed and what to do: unreachable broker, missing topic, existing topic, bad flags")
    func errors() async throws {
        let unreachable = try await runProcess(spool, ["topic", "list", "-b", "127.0.0.1:1"])
        #expect(unreachable.status == 1)
        #expect(
            unreachable.stderr.contains("spool: list topics failed: cannot connect to 127.0.0.1:1"),
            "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("Is a broker running at 127.0.0.1:1?"))
        #expect(!unreachable.stderr.contains("Fatal error"))

        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let missing = try await runProcess(spool, ["consume", "nope", "--from-beginning", "-b", broker.bootstrap])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("UNKNOWN_TOPIC_OR_PARTITION"), "\(missing.stderr)")
        #expect(missing.stderr.contains("spool topic list"), "\(missing.stderr)")

        _ = try await runProcess(spool, ["topic", "create", "twice", "-b", broker.bootstrap])
        let again = try await runProcess(spool, ["topic", "create", "twice", "-b", broker.bootstrap])
        #expect(again.status == 1)
        #expect(again.stderr.contains("TOPIC_ALREADY_EXISTS"), "\(again.stderr)")

        let strict = try await TestBroker(extraArguments: ["--set", "auto.create.topics.enable=false"])
        defer { Task { await strict.stop() } }
        let started = ContinuousClock.now
        let noTopic = try await runProcess(spool, ["produce", "absent", "-b", strict.bootstrap], stdin: "x\n")
        #expect(noTopic.status == 1)
        #expect(noTopic.stderr.contains("UNKNOWN_TOPIC_OR_PARTITION"), "\(noTopic.stderr)")
        #expect(ContinuousClock.now - started < .seconds(10))

        let badConfig = try await runProcess(
            spool, ["topic", "create", "x", "--config", "novalue", "-b", broker.bootstrap])
        #expect(badConfig.stderr.contains("bad --config 'novalue': expected KEY=VALUE"), "\(badConfig.stderr)")
    }

    @Test("SPOOL_BOOTSTRAP_SERVER points the client commands at a broker, and serve starts with it set")
    func bootstrapVariable() async throws {
        let broker = try await TestBroker(environment: ["SPOOL_BOOTSTRAP_SERVER": "127.0.0.1:1"])
        defer { Task { await broker.stop() } }
        let environment = ["SPOOL_BOOTSTRAP_SERVER": broker.bootstrap]
        let produce = try await runProcess(spool, ["produce", "env"], stdin: "one\ntwo\n", environment: environment)
        #expect(produce.status == 0, "\(produce.stderr)")
        let consume = try await runProcess(
            spool, ["consume", "env", "--from-beginning", "--count", "2"], environment: environment)
        #expect(consume.stdout == "one\ntwo\n", "\(consume.stderr)")
    }
}

/// `spool consume --group` and `spool group` end to end.
@Suite("spool group CLI", .serialized, .timeLimit(.minutes(2)))
struct GroupCLITests {
    let spool = TestBroker.binary

    @Test(
        "consume --group commits what it printed; group list, describe (lag), reset-offsets (dry run, execute), delete")
    func groupLifecycle() async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "group.initial.rebalance.delay.ms=0"])
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        _ = try await runProcess(spool, ["topic", "create", "jobs", "--partitions", "1"] + b)
        _ = try await runProcess(
            spool, ["produce", "jobs"] + b, stdin: (1...10).map(String.init).joined(separator: "\n"))

        let first = try await runProcess(
            spool, ["consume", "jobs", "--group", "workers", "--from-beginning", "--count", "4"] + b)
        #expect(first.stdout == "1\n2\n3\n4\n", "\(first.stderr)")
        let rest = try await runProcess(spool, ["consume", "jobs", "--group", "workers", "--exit-at-end"] + b)
        #expect(rest.stdout == (5...10).map { "\($0)\n" }.joined(), "\(rest.stderr)")

        let list = try await runProcess(spool, ["group", "list"] + b)
        #expect(list.stdout.contains("workers"), "\(list.stdout) \(list.stderr)")
        let describe = try await runProcess(spool, ["group", "describe", "workers", "--format", "json"] + b)
        #expect(describe.stdout.contains("\"committedOffset\" : 10"), "\(describe.stdout) \(describe.stderr)")
        #expect(describe.stdout.contains("\"lag\" : 0"))

        let dryRun = try await runProcess(
            spool, ["group", "reset-offsets", "workers", "--topic", "jobs", "--to-offset", "7"] + b)
        #expect(dryRun.stdout.contains("dry run"), "\(dryRun.stdout) \(dryRun.stderr)")
        let unchanged = try await runProcess(spool, ["group", "describe", "workers"] + b)
        #expect(unchanged.stdout.contains("jobs   0          10"), "\(unchanged.stdout)")
        let execute = try await runProcess(
            spool, ["group", "reset-offsets", "workers", "--topic", "jobs", "--to-offset", "7", "--execute"] + b)
        #expect(execute.status == 0, "\(execute.stderr)")
        let again = try await runProcess(spool, ["consume", "jobs", "--group", "workers", "--exit-at-end"] + b)
        #expect(again.stdout == "8\n9\n10\n", "\(again.stderr)")

        let delete = try await runProcess(spool, ["group", "delete", "workers"] + b)
        #expect(delete.status == 0, "\(delete.stderr)")
        let missing = try await runProcess(spool, ["group", "delete", "workers"] + b)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("GROUP_ID_NOT_FOUND"), "\(missing.stderr)")
    }
}

/// Ctrl-C on `spool consume --group` ends the loop cleanly and commits what was printed.
@Suite("spool consume interrupted", .serialized, .timeLimit(.minutes(2)))
struct ConsumeInterruptTests {
    @Test("SIGINT stops consume --group with status 0 and the group's offset at what was printed")
    func interrupt() async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "group.initial.rebalance.delay.ms=0"])
        defer { Task { await broker.stop() } }
        let spool = TestBroker.binary
        _ = try await runProcess(spool, ["produce", "ticks", "-b", broker.bootstrap], stdin: "a\nb\nc\n")
        let output = NSTemporaryDirectory() + "spool-consume-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: spool)
        process.arguments = ["consume", "ticks", "--group", "ticker", "--from-beginning", "-b", broker.bootstrap]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SPOOL_") }
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await waitUntil { (try? String(contentsOfFile: output, encoding: .utf8)) == "a\nb\nc\n" }
        kill(process.processIdentifier, SIGINT)
        try await waitUntil { !process.isRunning }
        #expect(process.terminationStatus == 0)
        let describe = try await runProcess(
            spool, ["group", "describe", "ticker", "--format", "json", "-b", broker.bootstrap])
        #expect(describe.stdout.contains("\"committedOffset\" : 3"), "\(describe.stdout) \(describe.stderr)")
    }
}

/// A TCP socket that listens and never accepts: the kernel completes connections into its backlog, so a client
/// connects and then waits for answers that never come.
private final class SilentListener {
    private let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw CocoaError(.fileWriteUnknown) }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() { _ = Glibc.close(descriptor) }
}
