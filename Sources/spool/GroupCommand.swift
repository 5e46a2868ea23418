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

        struct Description: Encodable {
            var group: String
            var state: String
            var assignor: String
            var members: Int
            /// The sum of the partitions' lags (those with a committed offset).
            var totalLag: Int64
            var partitions: [Admin.GroupLag.Partition]
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
            let lag = try await Admin(client: kafka).groupLag(group)
            return Description(
                group: lag.group, state: lag.state, assignor: lag.assignor, members: lag.members.count,
                totalLag: lag.totalLag, partitions: lag.partitions)
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
