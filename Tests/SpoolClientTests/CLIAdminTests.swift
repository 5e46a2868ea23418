import Foundation
import SpoolTestSupport
import Testing

/// The admin commands that match rpk and kafka-consumer-groups: reset-offsets by shift, duration and current,
/// every config with its source, and `spool cluster info|health`.
@Suite("spool admin parity", .serialized, .timeLimit(.minutes(2)))
struct CLIAdminTests {
    let spool = TestBroker.binary

    /// The reset-offsets rows printed with --format json, keyed by "topic-partition".
    private func plan(_ arguments: [String]) async throws -> (status: Int32, rows: [String: Int], stderr: String) {
        let result = try await runProcess(spool, ["group", "reset-offsets"] + arguments + ["--format", "json"])
        let objects = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]] ?? []
        var rows: [String: Int] = [:]
        for object in objects {
            if let topic = object["topic"] as? String, let partition = object["partition"] as? Int,
                let offset = object["newOffset"] as? Int
            {
                rows["\(topic)-\(partition)"] = offset
            }
        }
        return (result.status, rows, result.stderr)
    }

    @Test("reset-offsets --shift-by (clamped), --to-current, --by-duration and --all-topics")
    func resetOffsetsParity() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        _ = try await runProcess(spool, ["topic", "create", "events", "--partitions", "2"] + b)
        _ = try await runProcess(spool, ["topic", "create", "audit", "--partitions", "1"] + b)
        let ten = (1...10).map { "e\($0)" }.joined(separator: "\n") + "\n"
        _ = try await runProcess(spool, ["produce", "events", "--partition", "0"] + b, stdin: ten)
        _ = try await runProcess(spool, ["produce", "events", "--partition", "1"] + b, stdin: "a\nb\nc\n")
        _ = try await runProcess(spool, ["produce", "audit"] + b, stdin: ten)
        let group = ["g"] + b
        let seeded = try await plan(group + ["--topic", "events", "--partition", "0", "--to-offset", "6", "--execute"])
        #expect(seeded.status == 0 && seeded.rows == ["events-0": 6], "\(seeded)")

        let back = try await plan(group + ["--topic", "events", "--partition", "0", "--shift-by", "-2"])
        #expect(back.status == 0 && back.rows == ["events-0": 4], "\(back)")
        let under = try await plan(group + ["--topic", "events", "--partition", "0", "--shift-by", "-100"])
        #expect(under.rows == ["events-0": 0], "\(under)")
        let over = try await plan(group + ["--topic", "events", "--partition", "0", "--shift-by", "100"])
        #expect(over.rows == ["events-0": 10], "\(over)")
        // Shifting needs a committed offset, as kafka-consumer-groups says: partition 1 has none.
        let uncommitted = try await plan(group + ["--topic", "events", "--shift-by", "1"])
        #expect(uncommitted.status == 1 && uncommitted.stderr.contains("no committed offset"), "\(uncommitted)")

        // To the committed offset, and the log end offset where there is none.
        let current = try await plan(group + ["--topic", "events", "--to-current"])
        #expect(current.rows == ["events-0": 6, "events-1": 3], "\(current)")
        // Every record was written within the hour: the first at or after now minus an hour is the first.
        for duration in ["PT1H", "1h", "P1D", "90m"] {
            let recent = try await plan(group + ["--topic", "events", "--by-duration", duration])
            #expect(recent.rows == ["events-0": 0, "events-1": 0], "\(duration): \(recent)")
        }
        let badDuration = try await plan(group + ["--topic", "events", "--by-duration", "soon"])
        #expect(badDuration.status != 0 && badDuration.stderr.contains("--by-duration"), "\(badDuration)")

        _ = try await plan(["g", "--topic", "audit", "--to-offset", "8", "--execute"] + b)
        let all = try await plan(group + ["--all-topics", "--shift-by", "1", "--execute"])
        #expect(all.rows == ["events-0": 7, "audit-0": 9], "\(all)")
        let after = try await plan(group + ["--all-topics", "--to-current"])
        #expect(after.rows == ["events-0": 7, "audit-0": 9], "\(after)")
    }

    @Test("topic describe lists every config with its source: the topic's, the broker's and the default")
    func describeConfigSources() async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "log.retention.ms=7200000"])
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let create = try await runProcess(
            spool, ["topic", "create", "sourced", "--config", "segment.bytes=1048576"] + b)
        #expect(create.status == 0, "\(create.stderr)")
        let table = try await runProcess(spool, ["topic", "describe", "sourced"] + b)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.contains(["segment.bytes", "1048576", "DYNAMIC_TOPIC_CONFIG"]), "\(table.stdout)")
        #expect(lines.contains(["retention.ms", "7200000", "STATIC_BROKER_CONFIG"]), "\(table.stdout)")
        #expect(lines.contains(["cleanup.policy", "delete", "DEFAULT_CONFIG"]), "\(table.stdout)")

        let json = try await runProcess(spool, ["topic", "describe", "sourced", "--format", "json"] + b)
        let object = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any]
        let configs = object?["configs"] as? [[String: Any]] ?? []
        let sources = Dictionary(
            configs.compactMap { entry in
                (entry["name"] as? String).map { ($0, "\(entry["value"] ?? "-") \(entry["source"] ?? "-")") }
            }, uniquingKeysWith: { $1 })
        #expect(sources["segment.bytes"] == "1048576 DYNAMIC_TOPIC_CONFIG", "\(json.stdout)")
        #expect(sources["retention.ms"] == "7200000 STATIC_BROKER_CONFIG", "\(json.stdout)")
        #expect(sources["cleanup.policy"] == "delete DEFAULT_CONFIG", "\(json.stdout)")
    }

    @Test("cluster info shows the broker, cluster id, controller and counts; health is 0 up and 1 down")
    func clusterInfoAndHealth() async throws {
        let broker = try await TestBroker()
        let b = ["-b", broker.bootstrap]
        _ = try await runProcess(spool, ["topic", "create", "three", "--partitions", "3"] + b)
        _ = try await runProcess(spool, ["topic", "create", "one", "--partitions", "1"] + b)
        let info = try await runProcess(spool, ["cluster", "info"] + b)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains(broker.bootstrap), "\(info.stdout)")
        #expect(info.stdout.contains("topics 2  partitions 4"), "\(info.stdout)")
        let json = try await runProcess(spool, ["cluster", "info", "--format", "json"] + b)
        let object = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any]
        let brokers = object?["brokers"] as? [[String: Any]] ?? []
        #expect(brokers.count == 1 && brokers.first?["port"] as? Int == broker.port, "\(json.stdout)")
        #expect((object?["clusterId"] as? String)?.isEmpty == false, "\(json.stdout)")
        #expect(object?["controllerId"] as? Int == brokers.first?["nodeId"] as? Int, "\(json.stdout)")
        #expect(object?["partitions"] as? Int == 4, "\(json.stdout)")

        let healthy = try await runProcess(spool, ["cluster", "health"] + b)
        #expect(healthy.status == 0 && healthy.stdout == "healthy\n", "\(healthy.stdout) \(healthy.stderr)")
        let healthyJSON = try await runProcess(spool, ["cluster", "health", "--format", "json"] + b)
        #expect(healthyJSON.status == 0 && healthyJSON.stdout.contains("\"healthy\" : true"), "\(healthyJSON)")

        await broker.stop()
        let down = try await runProcess(spool, ["cluster", "health", "--timeout-ms", "2000"] + b)
        #expect(down.status == 1, "\(down.stdout) \(down.stderr)")
        #expect(down.stderr.contains("unhealthy") && down.stderr.contains(broker.bootstrap), "\(down.stderr)")
        let downJSON = try await runProcess(
            spool, ["cluster", "health", "--timeout-ms", "2000", "--format", "json"] + b)
        #expect(downJSON.status == 1 && downJSON.stdout.contains("\"healthy\" : false"), "\(downJSON.stdout)")
    }
}
