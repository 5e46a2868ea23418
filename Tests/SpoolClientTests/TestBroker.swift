import Foundation
import SpoolClient

/// A real `spool serve` process from this build directory, on a free port with a temporary data
/// directory; stopped with SIGTERM by `stop()` (or killed when the test forgets).
final class TestBroker: @unchecked Sendable {
    static var binary: String {
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("spool").path
    }

    let process = Process()
    let dataDirectory: String
    let logPath: String
    private(set) var port = 0

    init(extraArguments: [String] = [], environment: [String: String] = [:]) async throws {
        dataDirectory = NSTemporaryDirectory() + "spool-client-test-\(UUID().uuidString)"
        logPath = dataDirectory + ".log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--data-dir", dataDirectory, "--listen", "127.0.0.1:0"] + extraArguments
        // Tests run many brokers at once: each admin listener takes a free port.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SPOOL_") }
            .merging(["SPOOL_ADMIN_LISTEN": "127.0.0.1:0"]) { $1 }.merging(environment) { $1 }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let line = log.split(separator: "\n").first(where: { $0.contains("Kafka listener ready") }),
                let text = line.split(separator: ":").last?.prefix(while: { $0.isNumber }), let port = Int(text)
            {
                self.port = port
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw StartFailed(log: log)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var bootstrap: String { "127.0.0.1:\(port)" }

    func clientConfiguration(autoCreate: Bool = false) -> ClientConfiguration {
        ClientConfiguration(
            bootstrapServers: [bootstrap], connectTimeoutMs: 2_000, requestTimeoutMs: 10_000,
            allowAutoTopicCreation: autoCreate)
    }

    /// Stops the broker and removes its files.
    func stop() async {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    struct StartFailed: Error, CustomStringConvertible {
        let log: String
        var description: String { "the broker did not start:\n\(log)" }
    }
}
