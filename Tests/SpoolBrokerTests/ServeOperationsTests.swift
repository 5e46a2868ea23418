import Foundation
import SpoolBroker
import SpoolProtocol
import Testing

/// What an operator meets running the real `spool` binary: a Kubernetes environment, SIGHUP, `--version` and the
/// start-up line.
@Suite struct ServeOperationsTests {
    /// Answers ApiVersions on a new connection: the broker is serving.
    static func answersApiVersions(_ broker: RunningBroker) throws -> Bool {
        let connection = try BlockingKafkaConnection(port: broker.port)
        return try connection.roundTrip(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self).errorCode == 0
    }

    @Test("the SPOOL_* variables Kubernetes injects for a Service named spool are ignored with one warning")
    func kubernetesServiceVariables() async throws {
        let broker = try await RunningBroker(
            environment: ["SPOOL_SERVICE_HOST": "10.0.0.1", "SPOOL_PORT": "tcp://10.0.0.1:9092"])
        defer { try? FileManager.default.removeItem(atPath: broker.dataDirectory) }
        #expect(try Self.answersApiVersions(broker))
        let warnings = broker.process.stderr.split(separator: "\n").filter { $0.contains("unknown environment") }
        #expect(warnings.count == 1, "\(broker.process.stderr)")
        #expect(warnings.first?.contains("unknown environment variables SPOOL_PORT, SPOOL_SERVICE_HOST") == true)
        #expect(try await broker.stop() == 0)
    }

    @Test("with the same variables set, a misspelt key in the --config file still stops start-up (exit 2)")
    func fileTypoStillFails() async throws {
        let file = try ConfigurationTests.writeYAML("log.segmnt.bytes: 4096\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let spool = try SpoolProcess(
            ["serve", "--config", file, "--listen", "127.0.0.1:0", "--data-dir", temporaryDataDirectory()],
            environment: ["SPOOL_SERVICE_HOST": "10.0.0.1", "SPOOL_PORT": "tcp://10.0.0.1:9092"])
        #expect(try await spool.waitForExit() == 2)
        #expect(spool.stderr.contains("unknown configuration key 'log.segmnt.bytes'"), "\(spool.stderr)")
    }

    @Test("SIGHUP keeps the broker serving and applies a changed log.level from the --config file")
    func hangupReloads() async throws {
        let file = try ConfigurationTests.writeYAML("log.level: info\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let broker = try await RunningBroker(extraArguments: ["--config", file])
        defer { try? FileManager.default.removeItem(atPath: broker.dataDirectory) }
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(try await broker.process.waitForLog("SIGHUP: configuration reloaded"), "\(broker.process.stderr)")
        #expect(broker.process.process.isRunning)
        #expect(try Self.answersApiVersions(broker))
        #expect(!broker.process.stderr.contains("debug"))

        // Debug lines appear once the file says debug and the broker is told to reload.
        try "log.level: debug\n".write(toFile: file, atomically: true, encoding: .utf8)
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(try await broker.process.waitForLog("log.level=debug"), "\(broker.process.stderr)")
        #expect(try Self.answersApiVersions(broker))
        #expect(try await broker.process.waitForLog(" debug "), "\(broker.process.stderr)")
        #expect(try await broker.stop() == 0)
    }

    @Test("SIGHUP applies a changed log.retention.ms to running topics: their expired segments are deleted")
    func hangupReloadsRetention() async throws {
        // Small segments so a few records close several; retention looks every 100 ms.
        let settings = "log.segment.bytes: 4096\nlog.retention.check.interval.ms: 100\n"
        let file = try ConfigurationTests.writeYAML(settings)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let broker = try await RunningBroker(extraArguments: ["--config", file])
        defer { try? FileManager.default.removeItem(atPath: broker.dataDirectory) }
        // Four batches of 5 KB: each fills a 4 KiB segment, so the first three segments are closed.
        for batch in 0..<4 {
            let lines = (0..<10).map { "\(batch)-\($0)-" + String(repeating: "x", count: 500) }
            _ = try await run(
                "/usr/bin/kcat", ["-b", broker.bootstrap, "-P", "-t", "kept", "-X", "acks=all"],
                stdin: lines.joined(separator: "\n") + "\n")
        }
        // With the default retention (7 days) nothing goes, however often retention looks.
        try await Task.sleep(for: .milliseconds(500))
        #expect(!broker.process.stderr.contains("retention deleted segments"), "\(broker.process.stderr)")

        try (settings + "log.retention.ms: 1\n").write(toFile: file, atomically: true, encoding: .utf8)
        kill(broker.process.processIdentifier, SIGHUP)
        #expect(try await broker.process.waitForLog("logDefaults=applied to 1 topics"), "\(broker.process.stderr)")
        #expect(try await broker.process.waitForLog("retention deleted segments"), "\(broker.process.stderr)")
        // The earliest offset (-2) moved past 0: records really went, not just the log line.
        let earliest = try await run("/usr/bin/kcat", ["-b", broker.bootstrap, "-Q", "-t", "kept:0:-2"]).stdout
        let offset = earliest.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect((offset ?? 0) > 0, "\(earliest)")
        #expect(try await broker.stop() == 0)
    }

    @Test("--log-format json writes every line as one JSON object: time, level, message, metadata (log shippers)")
    func jsonLogs() async throws {
        let data = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let spool = try SpoolProcess(
            ["serve", "--log-format", "json", "--data-dir", data, "--listen", "127.0.0.1:0"])
        #expect(try await spool.waitForLog("spool started"), "\(spool.stderr)")
        kill(spool.process.processIdentifier, SIGTERM)
        #expect(try await spool.waitForExit() == 0)
        let lines = spool.stderr.split(separator: "\n")
        #expect(lines.count >= 3)
        var started: [String: Any]?
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String && object?["time"] is String,
                    "not a log object: \(line)")
            if object?["message"] as? String == "spool started" { started = object }
        }
        let metadata = try #require(started?["metadata"] as? [String: Any], "\(spool.stderr)")
        #expect(metadata["version"] as? String == SpoolVersion.current)
        #expect(metadata["dataDir"] as? String == data, "slashes are not escaped: \(metadata)")
    }

    @Test("`spool --version` and `spool serve --version` print SpoolVersion.current and exit 0")
    func version() async throws {
        for arguments in [["--version"], ["serve", "--version"]] {
            let spool = try SpoolProcess(arguments)
            #expect(try await spool.waitForExit() == 0)
            #expect(spool.stdout == SpoolVersion.current + "\n", "\(arguments): \(spool.stdout)")
        }
        #expect(SpoolVersion.current == "0.13.0-dev")
    }

    @Test("the start-up line carries the version and exactly the settings that differ from their defaults")
    func startedLine() async throws {
        let broker = try await RunningBroker(extraArguments: ["--set", "log.segment.bytes=4096"])
        defer { try? FileManager.default.removeItem(atPath: broker.dataDirectory) }
        let line = try #require(broker.process.stderr.split(separator: "\n").first { $0.contains("spool started") })
        #expect(line.contains("version=\(SpoolVersion.current)"), "\(line)")
        // SpoolProcess sets SPOOL_ADMIN_LISTEN=127.0.0.1:0, which differs from the default too.
        #expect(
            line.contains(
                "settings=data.dir=\(broker.dataDirectory),listen=127.0.0.1:0,admin.listen=127.0.0.1:0,"
                    + "log.segment.bytes=4096"),
            "\(line)")
        #expect(try await broker.stop() == 0)
    }
}
