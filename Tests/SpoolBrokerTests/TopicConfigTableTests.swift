import Foundation
import SpoolLog
import SpoolProtocol
import Testing

@testable import SpoolBroker

@Suite struct TopicConfigTableTests {
    /// A valid value other than the default for every topic config that acts.
    private static let actingSamples = [
        "index.interval.bytes": "8192", "max.message.bytes": "2048", "message.timestamp.type": "LogAppendTime",
        "retention.bytes": "4096", "retention.ms": "60000", "segment.bytes": "65536", "segment.ms": "3600000",
        "cleanup.policy": "compact", "delete.retention.ms": "1000", "max.compaction.lag.ms": "3600000",
        "min.cleanable.dirty.ratio": "0.25", "min.compaction.lag.ms": "1000",
    ]

    @Test("every LogConfig field is set by exactly the topic configs that act, and by no other")
    func everyFieldReachable() throws {
        let defaults = LogConfig()
        let fields = Set(Mirror(reflecting: defaults).children.compactMap(\.label))
        var reached: [String: String] = [:]
        for definition in TopicConfigs.table where definition.acts {
            let sample = try #require(Self.actingSamples[definition.name], "no sample for \(definition.name)")
            let config = try TopicConfigs.logConfig(defaults: defaults, overrides: [definition.name: sample])
            let changed = Self.changedFields(defaults, config)
            #expect(changed.count == 1, "\(definition.name) changes \(changed)")
            for field in changed { reached[field] = definition.name }
            #expect(definition.field?.read(config) == sample)
        }
        #expect(Set(reached.keys) == fields, "fields no topic config sets: \(fields.subtracting(reached.keys))")
        for definition in TopicConfigs.table where !definition.acts {
            let config = try TopicConfigs.logConfig(
                defaults: defaults, overrides: [definition.name: definition.kafkaDefault])
            #expect(config == defaults, "\(definition.name) is stored only, yet changes the log")
        }
    }

    @Test("the standard topic configs provisioning tools send are all accepted with Kafka's defaults")
    func standardConfigsAccepted() throws {
        let names: Set = [
            "cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms", "flush.messages",
            "flush.ms", "index.interval.bytes", "max.compaction.lag.ms", "max.message.bytes",
            "message.timestamp.after.max.ms", "message.timestamp.before.max.ms", "message.timestamp.difference.max.ms",
            "message.timestamp.type", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas",
            "preallocate", "retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes",
            "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable", "message.downconversion.enable",
            "follower.replication.throttled.replicas", "leader.replication.throttled.replicas",
        ]
        #expect(names.isSubset(of: Set(TopicConfigs.names)))
        let defaults = Dictionary(uniqueKeysWithValues: TopicConfigs.table.map { ($0.name, $0.kafkaDefault) })
        #expect(try TopicConfigs.logConfig(defaults: LogConfig(), overrides: defaults) == LogConfig())
    }

    @Test("ranges, types and allowed values are enforced as Kafka enforces them, naming the config")
    func rangesEnforced() throws {
        for definition in TopicConfigs.table {
            guard case .range(let range) = definition.constraint else { continue }
            let low = String(range.lowerBound)
            #expect(throws: Never.self) {
                try TopicConfigs.logConfig(defaults: LogConfig(), overrides: [definition.name: low])
            }
            Self.expectRefused(definition.name, String(range.lowerBound - 1))
            Self.expectRefused(definition.name, "soon")
            if definition.type == .int { Self.expectRefused(definition.name, String(Int64(Int32.max) + 1)) }
        }
        let refusals: [(String, String, String)] = [
            ("min.insync.replicas", "0", "1 to 2147483647"), ("segment.index.bytes", "3", "4 to"),
            ("min.cleanable.dirty.ratio", "1.5", "0.0 to 1.0"), ("preallocate", "yes", "true or false"),
            ("compression.type", "brotli", "lz4"), ("message.timestamp.type", "Now", "CreateTime or LogAppendTime"),
            ("cleanup.policy", "shred", "compact or delete"), ("cleanup.policy", "", "compact or delete"),
            ("cleanup.policy", "compact,shred", "compact or delete"), ("max.compaction.lag.ms", "0", "1 to"),
            ("min.cleanable.dirty.ratio", "-0.1", "0.0 to 1.0"), ("delete.retention.ms", "-1", "0 to"),
            ("remote.storage.enable", "true", "tiered storage"),
            ("leader.replication.throttled.replicas", "0-1", "PARTITION:BROKER"),
            ("flush.messages", "0", "1 to"),
        ]
        for (name, value, fragment) in refusals { Self.expectRefused(name, value, fragment) }
        let accepted = [
            "unclean.leader.election.enable": "FALSE", "min.cleanable.dirty.ratio": "0.25", "preallocate": "true",
            "leader.replication.throttled.replicas": "0:1,1:1", "follower.replication.throttled.replicas": "*",
            "compression.type": "lz4", "min.insync.replicas": "2", "cleanup.policy": "delete",
            "remote.storage.enable": "false",
        ]
        #expect(throws: Never.self) { try TopicConfigs.logConfig(defaults: LogConfig(), overrides: accepted) }
    }

    @Test("cleanup.policy takes delete, compact or both in any order, and max.compaction.lag.ms >= min's")
    func cleanupPolicies() throws {
        let policies: [(String, CleanupPolicy)] = [
            ("delete", .delete), ("compact", .compact), ("compact,delete", [.compact, .delete]),
            ("delete, compact", [.compact, .delete]),
        ]
        for (value, policy) in policies {
            let config = try TopicConfigs.logConfig(defaults: LogConfig(), overrides: ["cleanup.policy": value])
            #expect(config.cleanupPolicy == policy, "\(value)")
        }
        var compacted = LogConfig()
        compacted.cleanupPolicy = .compact
        let back = try TopicConfigs.logConfig(defaults: compacted, overrides: ["cleanup.policy": "delete"])
        #expect(back.cleanupPolicy == .delete)
        Self.expectRefused(
            "max.compaction.lag.ms", "1000", "min.compaction.lag.ms",
            also: ["min.compaction.lag.ms": "2000"])
    }

    @Test("APPEND adds the items a list lacks at its end and SUBTRACT removes them, over the default when unset")
    func appendAndSubtract() {
        var compacted = LogConfig()
        compacted.cleanupPolicy = .compact
        #expect(TopicConfigs.listValue("cleanup.policy", overrides: [:], defaults: LogConfig()) == ["delete"])
        #expect(TopicConfigs.listValue("cleanup.policy", overrides: [:], defaults: compacted) == ["compact"])
        #expect(TopicConfigs.listValue("cleanup.policy", overrides: ["cleanup.policy": "compact, delete"],
                                       defaults: LogConfig()) == ["compact", "delete"])
        #expect(TopicConfigs.listValue("leader.replication.throttled.replicas", overrides: [:],
                                       defaults: LogConfig()) == [])
        #expect(TopicConfigs.listValue("retention.ms", overrides: [:], defaults: LogConfig()) == nil)
        #expect(TopicConfigs.alteredList(["delete"], appending: true, items: "compact") == "delete,compact")
        #expect(TopicConfigs.alteredList(["delete", "compact"], appending: true, items: "compact") == "delete,compact")
        #expect(TopicConfigs.alteredList([], appending: true, items: "0:1, 1:1") == "0:1,1:1")
        #expect(TopicConfigs.alteredList(["delete", "compact"], appending: false, items: "delete") == "compact")
        #expect(TopicConfigs.alteredList(["compact"], appending: false, items: "compact,delete") == "")
    }

    @Test("DescribeConfigs: default DEFAULT_CONFIG, broker setting STATIC_BROKER_CONFIG, topic's DYNAMIC_TOPIC_CONFIG")
    func describeSourcesAndSynonyms() async throws {
        let broker = try await RoutedBroker { $0.logDefaults.retentionMs = 5000 }
        let create = CreateTopicsRequest(topics: [
            .init(name: "described", numPartitions: 1, replicationFactor: 1,
                  configs: [.init(name: "segment.ms", value: "3600000"),
                            .init(name: "min.insync.replicas", value: "2")]),
        ])
        let created = try await broker.call(create, version: 5, as: CreateTopicsResponse.self)
        #expect(created.topics.map(\.errorCode) == [0])
        var describe = DescribeConfigsRequest(resources: [
            .init(resourceType: 2, resourceName: "described",
                  configurationKeys: ["segment.bytes", "retention.ms", "segment.ms", "min.insync.replicas",
                                      "preallocate"]),
        ])
        describe.includeSynonyms = true
        describe.includeDocumentation = true
        let described = try await broker.call(describe, version: 4, as: DescribeConfigsResponse.self)
        let configs = described.results.first?.configs ?? []
        let entries = Dictionary(uniqueKeysWithValues: configs.map { ($0.name, $0) })
        func summary(_ name: String) -> [String] {
            (entries[name]?.synonyms ?? []).map { "\($0.name)=\($0.value ?? "null")@\($0.source)" }
        }
        let (topic, staticBroker, defaultConfig) = (ConfigSource.dynamicTopicConfig.rawValue,
                                                    ConfigSource.staticBrokerConfig.rawValue,
                                                    ConfigSource.defaultConfig.rawValue)
        #expect(entries["segment.bytes"]?.value == "1073741824")
        #expect(entries["segment.bytes"]?.configSource == defaultConfig)
        #expect(summary("segment.bytes") == ["log.segment.bytes=1073741824@\(defaultConfig)"])
        #expect(entries["retention.ms"]?.value == "5000" && entries["retention.ms"]?.configSource == staticBroker)
        #expect(summary("retention.ms")
            == ["log.retention.ms=5000@\(staticBroker)", "log.retention.ms=604800000@\(defaultConfig)"])
        #expect(entries["segment.ms"]?.value == "3600000" && entries["segment.ms"]?.configSource == topic)
        #expect(summary("segment.ms") == ["segment.ms=3600000@\(topic)", "log.roll.ms=604800000@\(defaultConfig)"])
        #expect(entries["min.insync.replicas"]?.value == "2" && entries["min.insync.replicas"]?.configSource == topic)
        #expect(summary("min.insync.replicas")
            == ["min.insync.replicas=2@\(topic)", "min.insync.replicas=1@\(defaultConfig)"])
        #expect(entries["min.insync.replicas"]?.configType == TopicConfigDefinition.ValueType.int.rawValue)
        #expect(entries["preallocate"]?.value == "false" && entries["preallocate"]?.configSource == defaultConfig)
        #expect(entries["preallocate"]?.configType == TopicConfigDefinition.ValueType.boolean.rawValue)
        #expect(entries["preallocate"]?.documentation?.isEmpty == false)
        try await broker.stop()
    }

    /// The `LogConfig` properties whose values differ between `a` and `b`.
    private static func changedFields(_ a: LogConfig, _ b: LogConfig) -> [String] {
        zip(Mirror(reflecting: a).children, Mirror(reflecting: b).children).compactMap { left, right in
            "\(left.value)" == "\(right.value)" ? nil : left.label
        }
    }

    private static func expectRefused(_ name: String, _ value: String, _ fragment: String? = nil,
                                      also others: [String: String] = [:],
                                      sourceLocation: SourceLocation = #_sourceLocation)
    {
        do {
            _ = try TopicConfigs.logConfig(defaults: LogConfig(), overrides: others.merging([name: value]) { $1 })
            Issue.record("\(name)=\(value) was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .invalidConfig, sourceLocation: sourceLocation)
            #expect(error.message.contains(name), "\(error.message)", sourceLocation: sourceLocation)
            if let fragment {
                #expect(error.message.contains(fragment), "\(error.message) lacks \(fragment)",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
