import ArgumentParser
import SpoolClient

/// `spool cluster`: what the cluster is made of, and whether it is fit to serve (for scripts and probes).
struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the cluster's brokers and counts, or check its health.",
        subcommands: [Info.self, Health.self])

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the brokers, cluster id, controller and topic and partition counts.",
            discussion: """
                Kafka's ApiVersions does not carry the broker's software name or version, so none is shown.

                Examples:
                  spool cluster info
                  spool cluster info --format json
                """)

        @OptionGroup var client: ClientOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Broker: Encodable {
            var nodeId: Int32
            var host: String
            var port: Int
        }

        struct Description: Encodable {
            var clusterId: String?
            var controllerId: Int32
            var brokers: [Broker]
            var topics: Int
            var partitions: Int
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                defer { Task { await kafka.close() } }
                let metadata: ClusterMetadata
                do {
                    metadata = try await kafka.metadata(topics: nil, allowAutoTopicCreation: false)
                } catch {
                    throw client.failure("describe the cluster", error)
                }
                let description = Description(
                    clusterId: metadata.clusterId, controllerId: metadata.controllerId,
                    brokers: metadata.brokers.values.sorted { $0.nodeId < $1.nodeId }.map {
                        Broker(nodeId: $0.nodeId, host: $0.host, port: $0.port)
                    },
                    topics: metadata.topics.count,
                    partitions: metadata.topics.values.reduce(0) { $0 + $1.partitions.count })
                switch format {
                case .json: try printJSON(description)
                case .table:
                    print(
                        "cluster \(description.clusterId ?? "-")  controller \(description.controllerId)  "
                            + "topics \(description.topics)  partitions \(description.partitions)")
                    let rows = description.brokers.map {
                        ["\($0.nodeId)", "\($0.host):\($0.port)", $0.nodeId == description.controllerId ? "yes" : ""]
                    }
                    print(Table(headers: ["NODE", "ADDRESS", "CONTROLLER"], rows: rows).render())
                }
            }
        }
    }

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exit 0 when the broker answers and every partition has a leader; 1 with the reason if not.",
            discussion: """
                Healthy means: the broker answers ApiVersions and Metadata within --timeout-ms, and every partition
                of every topic has a leader.

                Examples:
                  spool cluster health
                  spool cluster health --timeout-ms 2000 --format json
                """)

        @OptionGroup var client: ClientOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Report: Encodable {
            var healthy: Bool
            var reasons: [String]
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let reasons = await problems(kafka)
                await kafka.close()
                switch format {
                case .json:
                    try printJSON(Report(healthy: reasons.isEmpty, reasons: reasons))
                    if !reasons.isEmpty { throw ExitCode(1) }
                case .table:
                    guard reasons.isEmpty else { throw CLIFailure("unhealthy: " + reasons.joined(separator: "; ")) }
                    print("healthy")
                }
            }
        }

        /// Why the cluster is not healthy; empty when it is.
        private func problems(_ kafka: KafkaClient) async -> [String] {
            let metadata: ClusterMetadata
            do {
                _ = try await Admin(client: kafka).apiVersions()
                metadata = try await kafka.metadata(topics: nil, allowAutoTopicCreation: false)
            } catch {
                return [client.failure("ask the broker for its versions and metadata", error).description]
            }
            var reasons: [String] = []
            for topic in metadata.topics.values.sorted(by: { $0.name < $1.name }) {
                if topic.error != .none { reasons.append("topic \(topic.name): \(topic.error)") }
                let leaderless = topic.partitions.filter { $0.leaderId < 0 }.map(\.index).sorted()
                if !leaderless.isEmpty {
                    reasons.append(
                        "topic \(topic.name) has no leader for partition "
                            + leaderless.map(String.init).joined(separator: ", "))
                }
            }
            return reasons
        }
    }
}
