import ArgumentParser
import SpoolClient

/// `spool queue describe GROUP`: per share-partition, the start offset and how many records are available,
/// acquired, acknowledged, archived and dead-lettered, and the oldest available record's age.
struct QueueDescribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a share group's partitions: start offset, records by state, oldest available age.",
        discussion: """
            The counts come from Spool's tagged field in DescribeShareGroupOffsets; another broker shows only \
            the start offsets.

            Examples:
              spool queue describe workers
              spool queue describe workers --format json
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The share group id.") var group: String
    @Option(help: "table or json.") var format: OutputFormat = .table

    struct Row: Encodable {
        var topic: String
        var partition: Int32
        var startOffset: Int64
        var available: Int64?
        var acquired: Int64?
        var acknowledged: Int64?
        var archived: Int64?
        var deadLettered: Int64?
        var oldestAvailableAgeMs: Int64?
        var logEndOffset: Int64?
    }

    func run() async throws {
        try await reportingFailures {
            let kafka = try client.client()
            let offsets: [Admin.ShareGroupPartitionOffset]
            do {
                offsets = try await Admin(client: kafka).describeShareGroupOffsets(group)
            } catch {
                throw client.failure("describe share group \(group)", error)
            }
            await kafka.close()
            let rows = offsets.map(Self.row)
            switch format {
            case .json: try printJSON(rows)
            case .table:
                let cells = rows.map { row in
                    [row.topic, "\(row.partition)", "\(row.startOffset)"]
                        + [row.available, row.acquired, row.acknowledged, row.archived, row.deadLettered].map {
                            $0.map(String.init) ?? "-"
                        }
                        + [row.oldestAvailableAgeMs.map { $0 < 0 ? "-" : "\($0)" } ?? "-"]
                }
                print(Table(
                    headers: ["TOPIC", "PARTITION", "START-OFFSET", "AVAILABLE", "ACQUIRED", "ACKNOWLEDGED",
                              "ARCHIVED", "DEAD-LETTERED", "OLDEST-AVAILABLE-AGE-MS"],
                    rows: cells
                ).render())
            }
        }
    }

    static func row(_ offset: Admin.ShareGroupPartitionOffset) -> Row {
        let stats = offset.stats
        return Row(
            topic: offset.partition.topic, partition: offset.partition.partition, startOffset: offset.startOffset,
            available: stats?.available, acquired: stats?.acquired, acknowledged: stats?.acknowledged,
            archived: stats?.archived, deadLettered: stats?.deadLettered,
            oldestAvailableAgeMs: stats?.oldestAvailableAgeMs, logEndOffset: stats?.logEndOffset)
    }
}
