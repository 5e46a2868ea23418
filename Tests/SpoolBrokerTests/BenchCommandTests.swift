import Foundation
import Testing

/// `spool bench` against the real broker process: each mode runs briefly and its --json summary is sane.
@Suite("spool bench", .serialized)
struct BenchCommandTests {
    /// Runs `spool bench MODE ... --json` and returns the summary object.
    private func bench(_ broker: RunningBroker, _ arguments: [String]) async throws -> [String: Any] {
        let result = try await run(
            SpoolProcess.executable, ["bench"] + arguments + ["-b", broker.bootstrap, "--json"], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last, "no summary on stdout: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any], "summary is not a JSON object: \(line)")
    }

    private func number(_ summary: [String: Any], _ key: String) -> Double {
        (summary[key] as? NSNumber)?.doubleValue ?? -1
    }

    @Test("produce then consume: counts match, rates and percentiles are positive and ordered")
    func produceThenConsume() async throws {
        // Proves the two throughput modes agree on what was written and report every summary field.
        let broker = try await RunningBroker()
        let produced = try await bench(broker, [
            "produce", "--topic", "bench", "--count", "20000", "--record-size", "100", "--partitions", "2",
            "--acks", "all", "--broker-pid", "\(broker.process.processIdentifier)",
        ])
        #expect(produced["mode"] as? String == "produce")
        #expect(number(produced, "records") == 20_000)
        #expect(number(produced, "bytes") == 2_000_000)
        #expect(number(produced, "errors") == 0)
        for key in ["records_per_sec", "mb_per_sec", "p50_ms", "p99_ms", "p999_ms", "elapsed_sec"] {
            #expect(number(produced, key) > 0, "\(key) in \(produced)")
        }
        #expect(number(produced, "p50_ms") <= number(produced, "p99_ms"))
        #expect(number(produced, "p99_ms") <= number(produced, "p999_ms"))
        // The broker's own cost, read from its /proc entry: it did work, and its page faults are a count.
        #expect(number(produced, "broker_cpu_sec") > 0, "\(produced)")
        #expect(abs(number(produced, "broker_cpu_sec_per_gb") - number(produced, "broker_cpu_sec") / 0.002) < 1e-6)
        #expect(number(produced, "broker_minor_faults") >= 0, "\(produced)")

        let consumed = try await bench(broker, ["consume", "--topic", "bench", "--consumers", "2"])
        #expect(consumed["mode"] as? String == "consume")
        #expect(number(consumed, "records") == 20_000)
        #expect(number(consumed, "bytes") == 2_000_000)
        #expect(number(consumed, "records_per_sec") > 0)
        #expect(number(consumed, "p99_ms") > 0)
        #expect(try await broker.stop() == 0)
    }

    @Test("share: every record produced is accepted once by the share consumers, with append-to-accept latencies")
    func share() async throws {
        // Proves the share mode counts acceptances (not deliveries) and ends when all records were accepted.
        let broker = try await RunningBroker()
        let summary = try await bench(broker, [
            "share", "--topic", "queue", "--count", "5000", "--partitions", "2", "--consumers", "3", "--acks", "1",
        ])
        #expect(summary["mode"] as? String == "share")
        #expect(summary["latency"] as? String == "append_to_accept")
        #expect(number(summary, "records") == 5_000)
        #expect(number(summary, "records_sent") == 5_000)
        #expect(number(summary, "errors") == 0)
        #expect(number(summary, "records_per_sec") > 0 && number(summary, "p99_ms") >= number(summary, "p50_ms"))
        #expect(try await broker.stop() == 0)
    }

    @Test("Ctrl-C during bench produce ends the run and prints the summary of what ran")
    func interruptPrintsSummary() async throws {
        let broker = try await RunningBroker()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SpoolProcess.executable)
        process.arguments = [
            "bench", "produce", "--topic", "interrupted", "--duration", "60", "--record-size", "100",
            "-b", broker.bootstrap, "--json",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .seconds(2))
        kill(process.processIdentifier, SIGINT)
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning, "bench did not stop on SIGINT")
        #expect(process.terminationStatus == 0)
        let text = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").last, "no summary: \(text)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(summary["mode"] as? String == "produce")
        #expect(number(summary, "records") > 0)
        #expect(number(summary, "elapsed_sec") < 30, "ran to its 60 s duration instead of stopping")
        #expect(try await broker.stop() == 0)
    }

    @Test("e2e at a fixed rate: every acknowledged record arrives and latency is measured")
    func endToEnd() async throws {
        // Proves the send time travels in the value and each record is counted once on receipt.
        let broker = try await RunningBroker()
        let summary = try await bench(broker, [
            "e2e", "--topic", "latency", "--rate", "2000", "--count", "2000", "--acks", "1", "--linger-ms", "0",
        ])
        #expect(summary["mode"] as? String == "e2e")
        #expect(number(summary, "records_sent") == 2_000)
        #expect(number(summary, "records") == 2_000)
        #expect(number(summary, "target_rate") == 2_000)
        #expect(number(summary, "p50_ms") > 0)
        #expect(number(summary, "p999_ms") >= number(summary, "p50_ms"))
        // A latency of a minute would mean the stamp was misread.
        #expect(number(summary, "max_ms") < 60_000)
        #expect(try await broker.stop() == 0)
    }

    @Test("compaction: without a broker, one cleaning round keeps one record per distinct key and reports its figures")
    func compaction() async throws {
        // Proves the mode writes the log it says (10 % distinct keys), cleans it down to the distinct keys, and
        // reports rates and memory; no broker runs.
        let result = try await run(SpoolProcess.executable, [
            "bench", "compaction", "--log-bytes", "\(4 << 20)", "--segment-bytes", "\(1 << 20)",
            "--dedupe-buffer-bytes", "\(1 << 20)", "--json",
        ], timeout: .seconds(60))
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last, "no summary on stdout: \(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(summary["mode"] as? String == "compaction")
        let records = number(summary, "records_written")
        let distinct = number(summary, "distinct_keys_written")
        #expect(records > 30_000)
        #expect(distinct > records * 0.09 && distinct <= records * 0.1, "\(summary)")
        // The last chunk stays in the active segment, uncleaned; nearly every key also appears before it.
        let kept = number(summary, "records_kept")
        #expect(kept <= distinct && kept >= distinct * 0.99, "one record per key once cleaned: \(summary)")
        #expect(kept + number(summary, "records_removed") <= records)
        #expect(number(summary, "records_removed") > records * 0.7)
        #expect(number(summary, "source_bytes") >= Double(4 << 20) * 0.95, "whole segments: close to --log-bytes")
        #expect(number(summary, "bytes_read") == 2 * number(summary, "source_bytes"), "mapped and rewritten")
        #expect(number(summary, "bytes_reclaimed") > number(summary, "source_bytes") * 0.8)
        for key in ["read_mb_per_sec", "log_mb_per_sec", "rss_after_kib", "peak_rss_after_kib"] {
            #expect(number(summary, key) > 0, "\(key) in \(summary)")
        }
    }

    @Test("bad options and an empty topic fail with a message that says what to do")
    func failures() async throws {
        let broker = try await RunningBroker()
        let small = try await run(SpoolProcess.executable, ["bench", "e2e", "--record-size", "4", "-b", broker.bootstrap])
        #expect(small.status != 0)
        #expect(small.stderr.contains("at least 8"), "\(small.stderr)")
        let empty = try await run(SpoolProcess.executable, ["bench", "consume", "--topic", "empty", "-b", broker.bootstrap])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("spool bench produce"), "\(empty.stderr)")
        #expect(try await broker.stop() == 0)
    }
}
