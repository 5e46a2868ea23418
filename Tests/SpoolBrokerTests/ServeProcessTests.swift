import Foundation
import Logging
import NIOCore
import SpoolLog
import SpoolMetadata
import SpoolRecords
import Testing

/// Runs the real `spool` binary (built beside the test bundle) against a temporary data directory.
final class SpoolProcess {
    static var executable: String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("spool").path
    }

    let process = Process()
    let stderrPath = NSTemporaryDirectory() + "spool-stderr-\(UUID().uuidString).log"
    let stdoutPath = NSTemporaryDirectory() + "spool-stdout-\(UUID().uuidString).log"

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SPOOL_") }
        // Tests run many brokers at once: each admin listener takes a free port (a flag or `environment` wins).
        env["SPOOL_ADMIN_LISTEN"] = "127.0.0.1:0"
        env.merge(environment) { $1 }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        try process.run()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// Waits (polling, bounded) until standard error contains `text`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Waits (bounded) for the process to exit and returns its status; kills it when the time runs out.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: stderrPath)
        try? FileManager.default.removeItem(atPath: stdoutPath)
    }
}

func temporaryDataDirectory() -> String {
    let path = NSTemporaryDirectory() + "spool-serve-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A minimal valid v2 batch with opaque record bytes (the log does not parse records).
func makeBatch(records: Int32) throws -> RecordBatch {
    var buffer = ByteBufferAllocator().buffer(capacity: 161)
    buffer.writeInteger(Int64(0))  // baseOffset
    buffer.writeInteger(Int32(149))  // batchLength
    buffer.writeInteger(Int32(-1))  // partitionLeaderEpoch
    buffer.writeInteger(Int8(2))  // magic
    buffer.writeInteger(UInt32(0))  // crc, set below
    buffer.writeInteger(Int16(0))  // attributes
    buffer.writeInteger(records - 1)  // lastOffsetDelta
    buffer.writeInteger(Int64(1_700_000_000_000))
    buffer.writeInteger(Int64(1_700_000_000_000))
    buffer.writeInteger(Int64(-1))  // producerId
    buffer.writeInteger(Int16(-1))  // producerEpoch
    buffer.writeInteger(Int32(-1))  // baseSequence
    buffer.writeInteger(records)
    buffer.writeRepeatingByte(0x62, count: 100)
    buffer.setInteger(buffer.crc32c(at: 21, length: buffer.readableBytes - 21) ?? 0, at: 17)
    return try RecordBatch(buffer: buffer)
}

@Suite struct ServeProcessTests {
    @Test("SIGTERM and SIGINT stop `spool serve` gracefully: exit 0 and the clean-shutdown marker written")
    func gracefulShutdown() async throws {
        for signal in [SIGTERM, SIGINT] {
            let dataDir = temporaryDataDirectory()
            defer { try? FileManager.default.removeItem(atPath: dataDir) }
            let spool = try SpoolProcess(["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"])
            #expect(try await spool.waitForLog("spool started"), "\(spool.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dataDir + "/.clean-shutdown"))
            kill(spool.process.processIdentifier, signal)
            #expect(try await spool.waitForExit() == 0, "\(spool.stderr)")
            #expect(FileManager.default.fileExists(atPath: dataDir + "/.clean-shutdown"))
            #expect(spool.stderr.contains("log manager shut down cleanly"))
        }
    }

    @Test("a second broker on the same data directory is refused with a clear message and exit 1")
    func sharedDataDirectory() async throws {
        let dataDir = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let first = try SpoolProcess(["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"])
        #expect(try await first.waitForLog("spool started"))
        let second = try SpoolProcess(["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"])
        #expect(try await second.waitForExit() == 1)
        #expect(second.stderr.contains("is in use by another Spool process (pid \(first.process.processIdentifier))"))
        kill(first.process.processIdentifier, SIGTERM)
        #expect(try await first.waitForExit() == 0)
    }

    @Test("--print-config prints the effective configuration with flag > env > file precedence and exits 0")
    func printConfig() async throws {
        let file = NSTemporaryDirectory() + "spool-\(UUID().uuidString).yaml"
        try "listen: 127.0.0.1:1111\nlog.retention.ms: 5000\nlog.segment.bytes: 4096\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let spool = try SpoolProcess(
            ["serve", "--config", file, "--listen", "127.0.0.1:3333", "--print-config"],
            environment: ["SPOOL_LISTEN": "127.0.0.1:2222", "SPOOL_LOG_SEGMENT_BYTES": "8192"])
        #expect(try await spool.waitForExit() == 0)
        let output = spool.stdout
        #expect(output.contains("\nlisten: 127.0.0.1:3333\n"))
        #expect(output.contains("\nlog.segment.bytes: 8192\n"))
        #expect(output.contains("\nlog.retention.ms: 5000\n"))
        #expect(output.contains("\ndata.dir: ./data\n"))
    }

    @Test("a bad value stops start-up with exit 2 and a message naming key, value and what is allowed")
    func badConfiguration() async throws {
        let spool = try SpoolProcess(["serve", "--set", "log.segment.bytes=10"])
        #expect(try await spool.waitForExit() == 2)
        #expect(spool.stderr.contains("invalid value '10' for log.segment.bytes: expected an integer from 1024"))
    }

    @Test("serve recovers a partition left by a crash and shuts it down cleanly with every batch kept")
    func recoversAfterCrash() async throws {
        let dataDir = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let partition = TopicPartition(topic: "orders", partition: 0)
        do {
            // The topic in the metadata, and its log written and never closed, with a torn half-batch at its end,
            // as a crash leaves it. The directory is bound to the topic's ID: only such a directory is adopted.
            let store = try SQLiteMetadataStore(dataDirectory: dataDir)
            let topic = try await store.createTopic(name: "orders", partitionCount: 1)
            try store.close()
            let log = try PartitionLog.create(
                topicPartition: partition, directory: dataDir + "/orders-0", config: LogConfig(),
                topicId: topic.topicId.uuidString.lowercased(), logger: Logger(label: "test"))
            for _ in 0..<10 { _ = try log.append(makeBatch(records: 3)) }
            let handle = try #require(FileHandle(forWritingAtPath: dataDir + "/orders-0/00000000000000000000.log"))
            handle.seekToEndOfFile()
            handle.write(Data(repeating: 7, count: 40))
            try handle.close()
        }
        let spool = try SpoolProcess(["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"])
        #expect(try await spool.waitForLog("spool started"), "\(spool.stderr)")
        #expect(spool.stderr.contains("recovered partition after unclean shutdown"))
        #expect(spool.stderr.contains("bytesTruncated=40"))
        kill(spool.process.processIdentifier, SIGTERM)
        #expect(try await spool.waitForExit() == 0)

        let manager = try await LogManager.open(
            configuration: LogManagerConfiguration(dataDirectory: dataDir), logger: Logger(label: "test"))
        #expect(manager.openedAfterCleanShutdown)
        #expect(manager.log(for: partition)?.logEndOffset == 30)
        try await manager.shutdown()
    }
}
