import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

@testable import SpoolBroker

/// `/metrics` as `PrometheusExporter.render` writes it, from a real broker on a temporary data directory whose
/// requests go through its dispatcher (the HTTP listener only serves this text).
@Suite struct MetricsTests {
    /// Produces `count` one-record batches to `topic`'s `partition`.
    private static func produce(_ broker: RoutedBroker, _ topic: String, partition: Int32, count: Int) async throws {
        for index in 0..<count {
            var builder = RecordBatchBuilder()
            builder.append(key: nil, value: ByteBuffer(string: "record-\(index)"), timestamp: 1_764_000_000_000)
            let produce = ProduceRequest(
                acks: 1, timeoutMs: 5_000,
                topicData: [.init(name: topic, partitionData: [.init(index: partition, records: builder.build())])])
            let answer = try await broker.call(produce, version: 9, as: ProduceResponse.self)
            #expect(answer.responses.first?.partitionResponses.first?.errorCode == 0, "\(answer)")
        }
    }

    private static func commit(_ broker: RoutedBroker, group: String, topic: String,
                               _ offsets: [(partition: Int32, offset: Int64)]) async throws
    {
        var commit = OffsetCommitRequest(groupId: group)
        commit.topics = [.init(name: topic, partitions: offsets.map {
            .init(partitionIndex: $0.partition, committedOffset: $0.offset)
        })]
        let answer = try await broker.call(commit, version: 2, as: OffsetCommitResponse.self)
        #expect(answer.topics.flatMap(\.partitions).allSatisfy { $0.errorCode == 0 }, "\(answer)")
    }

    @Test("lag per partition is log end offset less committed offset, and the group's total is their sum")
    func lagFromCommittedOffsets() async throws {
        let exporter = PrometheusExporter.bootstrap()
        let broker = try await RoutedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "orders", partitions: 3, configs: [:])
        try await Self.produce(broker, "orders", partition: 0, count: 7)
        try await Self.produce(broker, "orders", partition: 1, count: 4)
        try await Self.commit(broker, group: "billing", topic: "orders", [(0, 2), (1, 4), (2, 0)])
        let scraped = try ScrapedMetrics(await exporter.render(broker.broker))

        #expect(scraped.value("spool_partition_log_end_offset", ["topic": "orders", "partition": "0"]) == 7)
        #expect(scraped.value("spool_partition_log_start_offset", ["topic": "orders", "partition": "0"]) == 0)
        let lag = { (partition: String) in
            scraped.value("spool_consumer_group_lag", ["group": "billing", "topic": "orders", "partition": partition])
        }
        #expect(lag("0") == 5 && lag("1") == 0 && lag("2") == 0)
        #expect(scraped.value("spool_consumer_group_total_lag", ["group": "billing"]) == 5)
        #expect(scraped.value("spool_consumer_group_topic_lag", ["group": "billing", "topic": "orders"]) == 5)
        let size = try #require(scraped.value("spool_partition_size_bytes", ["topic": "orders", "partition": "0"]))
        #expect(size > 7 * 61, "seven one-record batches of at least 61 bytes each")
        #expect(scraped.value("spool_topic_size_bytes", ["topic": "orders"]) ?? 0 > size)
        #expect(scraped.value("spool_topic_partitions", ["topic": "orders"]) == 3)
        #expect(scraped.value("spool_topic_produced_records_total", ["topic": "orders"]) == 11)
        #expect(scraped.value("spool_requests_total", ["api": "Produce", "version": "9"]) ?? 0 >= 11)
        #expect(scraped.value("spool_build_info", ["version": SpoolVersion.current]) == 1)
        #expect(scraped.value("process_open_fds", [:]) ?? 0 > 0)
        #expect(scraped.value("process_resident_memory_bytes", [:]) ?? 0 > 1_000_000)
        try await broker.stop()
    }

    @Test("a per-partition family past metrics.partition.series.max is left out; topic totals and a count remain")
    func seriesCap() async throws {
        let exporter = PrometheusExporter.bootstrap()
        let broker = try await RoutedBroker { $0.metricsPartitionSeriesMaximum = 2 }
        _ = try await broker.broker.partitions.catalog.createTopic(name: "wide", partitions: 3, configs: [:])
        try await Self.produce(broker, "wide", partition: 2, count: 3)
        try await Self.commit(broker, group: "narrow", topic: "wide", [(0, 0), (2, 1)])
        let scraped = try ScrapedMetrics(await exporter.render(broker.broker))

        let partitionFamilies = [
            "spool_partition_log_end_offset", "spool_partition_log_start_offset", "spool_partition_size_bytes",
        ]
        for family in partitionFamilies {
            #expect(!scraped.families.contains(family), "\(family) has 3 series, over the cap of 2")
            #expect(scraped.value("spool_metrics_series_dropped", ["family": family]) == 3)
        }
        #expect(scraped.value("spool_topic_partitions", ["topic": "wide"]) == 3)
        // Two committed partitions fit under the cap.
        let lag = scraped.value("spool_consumer_group_lag", ["group": "narrow", "topic": "wide", "partition": "2"])
        #expect(lag == 2)
        #expect(scraped.value("spool_metrics_series_dropped", ["family": "spool_consumer_group_lag"]) == 0)
        #expect(scraped.value("spool_consumer_group_total_lag", ["group": "narrow"]) == 2)
        try await broker.stop()
    }

    @Test("every family has one HELP and one TYPE line, before its samples, and no family is written twice")
    func helpAndTypeLines() async throws {
        let exporter = PrometheusExporter.bootstrap()
        let broker = try await RoutedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "t", partitions: 1, configs: [:])
        try await Self.produce(broker, "t", partition: 0, count: 1)
        let scraped = try ScrapedMetrics(await exporter.render(broker.broker))
        for family in scraped.families {
            #expect(scraped.help[family] != nil, "\(family) has no HELP line")
        }
        #expect(scraped.families.contains("spool_partition_log_end_offset"))
        #expect(scraped.families.contains("process_start_time_seconds"))
        try await broker.stop()
    }
}

@Suite struct MetricsTextTests {
    @Test("integers are written in full, negatives and Int64's extremes included, and label values are escaped")
    func integersAndEscapes() {
        var text = MetricsText()
        for value: Int64 in [0, 7, -1, 1_234_567_890, .max, .min] { text.series("n", [:], value) }
        text.series("g", ["group": "a\"b\\c\nd", "topic": "t"], 1)
        #expect(text.text == """
            n 0
            n 7
            n -1
            n 1234567890
            n 9223372036854775807
            n -9223372036854775808
            g{group="a\\"b\\\\c\\nd",topic="t"} 1

            """)
    }
}

/// A small reader of the text format, enough to check what render wrote: it throws on a sample before its
/// family's TYPE line, and on a family whose TYPE appears twice.
struct ScrapedMetrics {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var families: [String] = []
    private(set) var help: [String: String] = [:]
    private var samples: [String: Double] = [:]

    init(_ text: String) throws {
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1)
                help[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                let name = String(parts[0])
                guard types[name] == nil else { throw Malformed(description: "TYPE of \(name) twice") }
                types[name] = String(parts[1])
                families.append(name)
            } else if !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    throw Malformed(description: "no value: \(line)")
                }
                let series = String(line[..<space])
                let name = String(series.prefix { $0 != "{" })
                let family = types.keys.first { name == $0 || name.hasPrefix($0 + "_") }
                guard family != nil else { throw Malformed(description: "sample before its TYPE: \(line)") }
                samples[series] = value
            }
        }
    }

    /// The value of `name` with exactly `labels` (in any order), or nil when there is no such series.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        if labels.isEmpty { return samples[name] }
        for (series, value) in samples where series.hasPrefix(name + "{") {
            let inner = series.dropFirst(name.count + 1).dropLast()
            var found: [String: String] = [:]
            for pair in inner.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                found[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            if found == labels { return value }
        }
        return nil
    }
}
