import ArgumentParser
import SpoolClient

/// `spool group`: list, describe, reset the offsets of and delete consumer groups.
struct Group: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, describe, reset the offsets of and delete consumer groups.",
        subcommands: [List.self, Describe.self, ResetOffsets.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List consumer groups.",
            discussion: """
                Examples:
                  spool group list
                  spool group list --format json
                """)

        @OptionGroup var client: ClientOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Entry: Encodable {
            var group: String
            var state: String
            var protocolType: String
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let groups: [Admin.GroupListing]
                do {
                    groups = try await Admin(client: kafka).listGroups()
                } catch {
                    throw client.failure("list groups", error)
                }
                await kafka.close()
                let entries = groups.map { Entry(group: $0.groupId, state: $0.state, protocolType: $0.protocolType) }
                switch format {
                case .json: try printJSON(entries)
                case .table:
                    let rows = entries.map { [$0.group, $0.state, $0.protocolType] }
                    print(Table(headers: ["GROUP", "STATE", "PROTOCOL"], rows: rows).render())
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a group's members, their partitions, and committed offset and lag per partition.",
            discussion: """
                Examples:
                  spool group describe billing
                  spool group describe billing --format json
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The group id.") var group: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Row: Encodable {
            var topic: String
            var partition: Int32
            var committedOffset: Int64?
            var endOffset: Int64
            var lag: Int64?
            var memberId: String?
            var clientId: String?
            var host: String?
        }

        struct Description: Encodable {
            var group: String
            var state: String
            var assignor: String
            var members: Int
            /// The sum of the partitions' lags (those with a committed offset).
            var totalLag: Int64
            var partitions: [Row]
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let description: Description
                do {
                    description = try await describe(kafka)
                } catch {
                    throw client.failure("describe group \(group)", error)
                }
                await kafka.close()
                switch format {
                case .json: try printJSON(description)
                case .table:
                    print(
                        "group \(description.group)  state \(description.state)  assignor \(description.assignor)  "
                            + "members \(description.members)  total lag \(description.totalLag)")
                    let rows = description.partitions.map {
                        [
                            $0.topic, "\($0.partition)", $0.committedOffset.map(String.init) ?? "-", "\($0.endOffset)",
                            $0.lag.map(String.init) ?? "-", $0.memberId ?? "-", $0.clientId ?? "-", $0.host ?? "-",
                        ]
                    }
                    print(
                        Table(
                            headers: ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER", "CLIENT", "HOST"],
                            rows: rows
                        ).render())
                }
            }
        }

        private func describe(_ kafka: KafkaClient) async throws -> Description {
            let described = try await Admin(client: kafka).describeGroup(group)
            let committed = try await kafka.committedOffsets(group: group, partitions: nil)
            // Kafka describes a group it does not know as Dead with no members; with no offsets either, it does
            // not exist (kafka-consumer-groups says so too).
            if described.state == "Dead" && described.members.isEmpty && committed.isEmpty {
                throw CLIFailure("group \(group) does not exist: `spool group list` shows the groups there are")
            }
            var owners: [TopicPartition: Admin.GroupDescription.Member] = [:]
            for member in described.members { for partition in member.assignment { owners[partition] = member } }
            let partitions = Set(committed.keys).union(owners.keys).sorted {
                ($0.topic, $0.partition) < ($1.topic, $1.partition)
            }
            let ends =
                partitions.isEmpty
                ? [:]
                : try await kafka.listOffsets(
                    Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaClient.latestTimestamp) }))
            let rows = partitions.map { partition in
                let end = ends[partition] ?? -1
                return Row(
                    topic: partition.topic, partition: partition.partition, committedOffset: committed[partition],
                    endOffset: end, lag: committed[partition].map { max(end - $0, 0) },
                    memberId: owners[partition]?.memberId, clientId: owners[partition]?.clientId,
                    host: owners[partition]?.clientHost)
            }
            return Description(
                group: group, state: described.state, assignor: described.assignor.isEmpty ? "-" : described.assignor,
                members: described.members.count, totalLag: rows.compactMap(\.lag).reduce(0, +), partitions: rows)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete groups that have no members, with their committed offsets.",
            discussion: """
                Examples:
                  spool group delete billing
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The group ids.") var groups: [String]

        func run() async throws {
            try await reportingFailures {
                guard !groups.isEmpty else { throw CLIFailure("name at least one group to delete") }
                let kafka = try client.client()
                do {
                    try await Admin(client: kafka).deleteGroups(groups)
                } catch {
                    throw client.failure("delete group \(groups.joined(separator: ", "))", error)
                }
                await kafka.close()
                print("deleted group \(groups.joined(separator: ", "))")
            }
        }
    }
}
