import ArgumentParser
import SpoolClient

/// `spool topic`: create, list, describe, delete and reconfigure topics on any Kafka-compatible broker.
struct Topic: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, describe, delete and reconfigure topics.",
        subcommands: [Create.self, List.self, Describe.self, Delete.self, AlterConfig.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a topic.",
            discussion: """
                Examples:
                  spool topic create orders --partitions 6
                  spool topic create audit --config retention.ms=604800000 --config cleanup.policy=delete
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The topic's name.") var name: String
        @Option(help: "Partition count (default: the broker's num.partitions).") var partitions: Int32 = -1
        @Option(help: "Replicas per partition (default: the broker's).") var replicationFactor: Int16 = -1
        @Option(help: "A topic config KEY=VALUE (repeatable).") var config: [String] = []

        func run() async throws {
            try await reportingFailures {
                let configs = Dictionary(try keyValues(config, option: "--config"), uniquingKeysWith: { $1 })
                let kafka = try client.client()
                defer { Task { await kafka.close() } }
                do {
                    try await Admin(client: kafka).createTopic(
                        name, partitions: partitions, replicationFactor: replicationFactor, configs: configs)
                } catch {
                    throw client.failure("create topic \(name)", error)
                }
                print("created topic \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List topics.",
            discussion: """
                Examples:
                  spool topic list
                  spool topic list --format json
                """)

        @OptionGroup var client: ClientOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Entry: Encodable {
            var name: String
            var partitions: Int
            var isInternal: Bool
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                defer { Task { await kafka.close() } }
                let topics: [ClusterMetadata.Topic]
                do {
                    topics = try await Admin(client: kafka).listTopics()
                } catch {
                    throw client.failure("list topics", error)
                }
                let entries = topics.map {
                    Entry(name: $0.name, partitions: $0.partitions.count, isInternal: $0.isInternal)
                }
                switch format {
                case .json: try printJSON(entries)
                case .table:
                    print(
                        Table(headers: ["TOPIC", "PARTITIONS"], rows: entries.map { [$0.name, "\($0.partitions)"] })
                            .render())
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a topic's partitions (leader, replicas, offsets) and every config with its source.",
            discussion: """
                Examples:
                  spool topic describe orders
                  spool topic describe orders --format json
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The topic's name.") var name: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Partition: Encodable {
            var partition: Int32
            var leader: Int32
            var replicas: [Int32]
            var isr: [Int32]
            var startOffset: Int64
            var endOffset: Int64
        }

        /// A config's value and where it comes from (DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG).
        struct Config: Encodable {
            var name: String
            var value: String?
            var source: String
            var readOnly: Bool
            var isSensitive: Bool
        }

        struct Description: Encodable {
            var name: String
            var topicId: String
            var partitions: [Partition]
            var configs: [Config]
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                defer { Task { await kafka.close() } }
                let description: Description
                do {
                    description = try await describe(kafka)
                } catch {
                    throw client.failure("describe topic \(name)", error)
                }
                switch format {
                case .json: try printJSON(description)
                case .table: printTable(description)
                }
            }
        }

        private func describe(_ kafka: KafkaClient) async throws -> Description {
            let admin = Admin(client: kafka)
            let topic = try await admin.describeTopic(name)
            let partitions = topic.partitions.map { TopicPartition(name, $0.index) }
            let starts = try await kafka.listOffsets(
                Dictionary(
                    uniqueKeysWithValues: partitions.map {
                        ($0, KafkaClient.earliestTimestamp)
                    }))
            let ends = try await kafka.listOffsets(
                Dictionary(
                    uniqueKeysWithValues: partitions.map {
                        ($0, KafkaClient.latestTimestamp)
                    }))
            let configs = try await admin.describeConfigsWithSources(topic: name)
            return Description(
                name: name, topicId: topic.topicId,
                partitions: topic.partitions.map { partition in
                    let key = TopicPartition(name, partition.index)
                    return Partition(
                        partition: partition.index, leader: partition.leaderId, replicas: partition.replicas,
                        isr: partition.isr, startOffset: starts[key] ?? -1, endOffset: ends[key] ?? -1)
                },
                configs: configs.map {
                    Config(
                        name: $0.name, value: $0.value, source: "\($0.source)", readOnly: $0.readOnly,
                        isSensitive: $0.isSensitive)
                })
        }

        private func printTable(_ description: Description) {
            print("topic \(description.name)  id \(description.topicId)  partitions \(description.partitions.count)")
            let rows = description.partitions.map {
                [
                    "\($0.partition)", "\($0.leader)", $0.replicas.map(String.init).joined(separator: ","),
                    $0.isr.map(String.init).joined(separator: ","), "\($0.startOffset)", "\($0.endOffset)",
                ]
            }
            print(Table(headers: ["PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END"], rows: rows).render())
            // One table per source, the topic's own settings first, so that what was set stands out from the
            // defaults and each table's columns are as wide as its own keys.
            let order = ["DYNAMIC_TOPIC_CONFIG", "STATIC_BROKER_CONFIG", "DEFAULT_CONFIG"]
            let rank = { (source: String) in (order.firstIndex(of: source) ?? order.count, source) }
            let sources = Dictionary(grouping: description.configs, by: \.source)
                .sorted { rank($0.key) < rank($1.key) }
            for (_, configs) in sources {
                print("")
                let rows = configs.map { [$0.name, $0.isSensitive ? "(sensitive)" : $0.value ?? "-", $0.source] }
                print(Table(headers: ["CONFIG", "VALUE", "SOURCE"], rows: rows).render())
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete topics and their data.",
            discussion: """
                Examples:
                  spool topic delete orders
                  spool topic delete old-1 old-2
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The topics' names.") var names: [String]

        func run() async throws {
            try await reportingFailures {
                guard !names.isEmpty else { throw CLIFailure("name at least one topic to delete") }
                let kafka = try client.client()
                defer { Task { await kafka.close() } }
                let outcomes: [(name: String, error: SpoolClientError?)]
                do {
                    outcomes = try await Admin(client: kafka).deleteTopicsEach(names)
                } catch {
                    throw client.failure("delete topic \(names.joined(separator: ", "))", error)
                }
                // Each topic is deleted or not on its own: say which, and fail when any was not.
                var failures: [String] = []
                for (name, error) in outcomes {
                    if let error {
                        failures.append(client.failure("delete topic \(name)", error).description)
                    } else {
                        print("deleted topic \(name)")
                    }
                }
                if !failures.isEmpty { throw CLIFailure(failures.joined(separator: "\n")) }
            }
        }
    }

    struct AlterConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "alter-config",
            abstract: "Set or reset a topic's configs, or add partitions.",
            discussion: """
                Examples:
                  spool topic alter-config orders --set retention.ms=86400000
                  spool topic alter-config orders --delete retention.ms
                  spool topic alter-config orders --partitions 12
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The topic's name.") var name: String
        @Option(help: "A config to set, KEY=VALUE (repeatable).") var set: [String] = []
        @Option(help: "A config key to return to its default (repeatable).") var delete: [String] = []
        @Option(help: "Raise the partition count to this many.") var partitions: Int32?

        func run() async throws {
            try await reportingFailures {
                let settings = Dictionary(try keyValues(set, option: "--set"), uniquingKeysWith: { $1 })
                guard !settings.isEmpty || !delete.isEmpty || partitions != nil else {
                    throw CLIFailure("nothing to change: give --set KEY=VALUE, --delete KEY or --partitions N")
                }
                let kafka = try client.client()
                defer { Task { await kafka.close() } }
                let admin = Admin(client: kafka)
                do {
                    if !settings.isEmpty || !delete.isEmpty {
                        try await admin.alterConfigs(topic: name, set: settings, delete: delete)
                    }
                    if let partitions { try await admin.createPartitions(topic: name, totalCount: partitions) }
                } catch {
                    throw client.failure("alter topic \(name)", error)
                }
                print("altered topic \(name)")
            }
        }
    }
}
