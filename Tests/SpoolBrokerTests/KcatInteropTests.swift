import Foundation
import SpoolTestSupport
import Testing

/// A running `spool serve` on a free port with a temporary data directory.
final class RunningBroker {
    let dataDirectory: String
    let process: SpoolProcess
    let port: Int

    init(dataDirectory: String = temporaryDataDirectory(), extraArguments: [String] = [],
         environment: [String: String] = [:]) async throws {
        self.dataDirectory = dataDirectory
        process = try SpoolProcess(
            ["serve", "--data-dir", dataDirectory, "--listen", "127.0.0.1:0"] + extraArguments,
            environment: environment)
        guard try await process.waitForLog("spool started"),
              let line = process.stderr.split(separator: "\n").first(where: { $0.contains("Kafka listener ready") }),
              let portText = line.split(separator: ":").last?.prefix(while: { $0.isNumber }),
              let port = Int(portText)
        else {
            throw ConnectionFailed(log: process.stderr)
        }
        self.port = port
    }

    var bootstrap: String { "127.0.0.1:\(port)" }

    /// Stops the broker with SIGTERM and returns its exit status.
    func stop() async throws -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        return try await process.waitForExit()
    }

    struct ConnectionFailed: Error, CustomStringConvertible {
        let log: String
        var description: String { "the broker did not start:\n\(log)" }
    }
}

extension SpoolProcess {
    var processIdentifier: Int32 { process.processIdentifier }
}

/// Runs a command to completion (bounded) and returns its status, standard output and standard error; a
/// command that outlives `timeout` is a recorded issue.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: String? = nil, timeout: Duration = .seconds(120))
    async throws -> ProcessOutcome
{
    let outcome = try await runProcess(executable, arguments, stdin: stdin, timeout: timeout)
    if outcome.status == -1 { Issue.record("\(executable) \(arguments) did not finish within \(timeout)") }
    return outcome
}


@Suite(.serialized) struct KcatInteropTests {
    let kcat = "/usr/bin/kcat"

    @Test("kcat (librdkafka 2.0.2) lists metadata, produces 100,000 lines with acks=all and reads them back byte for byte")
    func produceAndReplay() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let broker = try await RunningBroker()
        let lines = (0..<100_000).map { String(format: "%06d-", $0) + String(repeating: "abcdefghij", count: 9) }
        let file = NSTemporaryDirectory() + "spool-lines-\(UUID().uuidString).txt"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }

        let produce = try await run(
            kcat, ["-b", broker.bootstrap, "-P", "-t", "lines", "-X", "acks=all", "-X", "linger.ms=5", "-l", file])
        #expect(produce.status == 0, "\(produce.stderr)")

        let metadata = try await run(kcat, ["-b", broker.bootstrap, "-L", "-t", "lines"])
        #expect(metadata.stdout.contains("broker 1 at 127.0.0.1:\(broker.port) (controller)"), "\(metadata.stdout)")
        #expect(metadata.stdout.contains("topic \"lines\" with 1 partitions"), "\(metadata.stdout)")

        // From the beginning: the consumed bytes equal the produced ones.
        let all = try await run(kcat, ["-b", broker.bootstrap, "-C", "-t", "lines", "-o", "beginning", "-e", "-q"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout == (lines.joined(separator: "\n") + "\n"))

        // From an offset.
        let middle = try await run(
            kcat, ["-b", broker.bootstrap, "-C", "-t", "lines", "-o", "54321", "-c", "3", "-e", "-q", "-f", "%o %s\n"])
        #expect(middle.stdout == (54321..<54324).map { "\($0) \(lines[$0])\n" }.joined())

        // From the end: only what is produced afterwards arrives.
        let bootstrap = broker.bootstrap
        let kcat = self.kcat
        let tail = Task { try await run(kcat, ["-b", bootstrap, "-C", "-t", "lines", "-o", "end", "-c", "2", "-q"]) }
        try await Task.sleep(for: .seconds(2))
        _ = try await run(kcat, ["-b", broker.bootstrap, "-P", "-t", "lines", "-X", "acks=all"], stdin: "late-1\nlate-2\n")
        #expect(try await tail.value.stdout == "late-1\nlate-2\n")
        #expect(try await broker.stop() == 0)
    }

    @Test("kcat -Q finds the first offset at or after a timestamp")
    func offsetsForTimes() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let broker = try await RunningBroker()
        _ = try await run(kcat, ["-b", broker.bootstrap, "-P", "-t", "times", "-X", "acks=all"], stdin: "a\nb\nc\n")
        try await Task.sleep(for: .milliseconds(50))
        let between = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(50))
        _ = try await run(kcat, ["-b", broker.bootstrap, "-P", "-t", "times", "-X", "acks=all"], stdin: "d\ne\n")
        let query = try await run(kcat, ["-b", broker.bootstrap, "-Q", "-t", "times:0:\(between)"])
        #expect(query.stdout.contains("times [0] offset 3"), "\(query.stdout) \(query.stderr)")
        let beforeAll = try await run(kcat, ["-b", broker.bootstrap, "-Q", "-t", "times:0:1"])
        #expect(beforeAll.stdout.contains("times [0] offset 0"), "\(beforeAll.stdout)")
        #expect(try await broker.stop() == 0)
    }
}
