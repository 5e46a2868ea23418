import ArgumentParser
import Foundation
import SpoolClient

extension Group {
    /// `spool group reset-offsets`: shows (dry run) or commits new offsets for a group with no members.
    struct ResetOffsets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-offsets",
            abstract: "Move a group's committed offsets (a dry run unless --execute).",
            discussion: """
                The group must have no active members. Without --execute, prints what would change.

                Examples:
                  spool group reset-offsets billing --topic orders --to-earliest
                  spool group reset-offsets billing --topic orders --partition 0 --to-offset 42 --execute
                  spool group reset-offsets billing --topic orders --to-datetime 2026-11-25T09:00:00Z --execute
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The group id.") var group: String
        @Option(help: "The topic whose offsets move.") var topic: String
        @Option(help: "Only this partition (repeatable; default: all).") var partition: [Int32] = []
        @Flag(help: "To the log start offset.") var toEarliest = false
        @Flag(help: "To the log end offset.") var toLatest = false
        @Option(help: "To this offset.") var toOffset: Int64?
        @Option(help: "To the first offset at or after this time (ISO 8601 or ms since the epoch).") var toDatetime:
            String?
        @Flag(help: "Commit the new offsets (default: only show them).") var execute = false
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            let targets = [toEarliest, toLatest, toOffset != nil, toDatetime != nil].filter { $0 }.count
            guard targets == 1 else {
                throw ValidationError("choose exactly one of --to-earliest, --to-latest, --to-offset and --to-datetime")
            }
        }

        struct Row: Encodable {
            var topic: String
            var partition: Int32
            var currentOffset: Int64?
            var newOffset: Int64
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let rows: [Row]
                do {
                    rows = try await plan(kafka)
                    if execute { try await apply(rows, kafka) }
                } catch let failure as CLIFailure {
                    throw failure
                } catch {
                    throw client.failure("reset the offsets of group \(group)", error)
                }
                await kafka.close()
                switch format {
                case .json: try printJSON(rows)
                case .table:
                    let cells = rows.map {
                        [$0.topic, "\($0.partition)", $0.currentOffset.map(String.init) ?? "-", "\($0.newOffset)"]
                    }
                    print(Table(headers: ["TOPIC", "PARTITION", "CURRENT", "NEW"], rows: cells).render())
                    print(
                        execute
                            ? "committed the new offsets of group \(group)"
                            : "dry run: nothing changed; add --execute to commit these offsets")
                }
            }
        }

        private func timestamp() throws -> Int64 {
            if toEarliest { return KafkaClient.earliestTimestamp }
            if toLatest { return KafkaClient.latestTimestamp }
            return try parseTimestamp(toDatetime ?? "", option: "--to-datetime")
        }

        private func plan(_ kafka: KafkaClient) async throws -> [Row] {
            let metadata = try await kafka.topicMetadata(topic, refresh: true)
            let all = metadata.partitions.map(\.index)
            for index in partition where !all.contains(index) {
                throw CLIFailure("topic \(topic) has no partition \(index) (it has \(all.count))")
            }
            let partitions = (partition.isEmpty ? all : partition).map { TopicPartition(topic, $0) }
            let current = try await kafka.committedOffsets(group: group, partitions: partitions)
            var targets: [TopicPartition: Int64] = [:]
            if let toOffset {
                // Kept between the log start and end offsets, as Kafka's tool does.
                let query = { (time: Int64) in Dictionary(uniqueKeysWithValues: partitions.map { ($0, time) }) }
                let starts = try await kafka.listOffsets(query(KafkaClient.earliestTimestamp))
                let ends = try await kafka.listOffsets(query(KafkaClient.latestTimestamp))
                for partition in partitions {
                    targets[partition] = min(max(toOffset, starts[partition] ?? 0), ends[partition] ?? toOffset)
                }
            } else {
                let time = try timestamp()
                targets = try await kafka.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, time) }))
                let missing = partitions.filter { (targets[$0] ?? -1) < 0 }
                if !missing.isEmpty {
                    let ends = try await kafka.listOffsets(
                        Dictionary(uniqueKeysWithValues: missing.map { ($0, KafkaClient.latestTimestamp) }))
                    targets.merge(ends) { $1 }
                }
            }
            return partitions.map {
                Row(topic: $0.topic, partition: $0.partition, currentOffset: current[$0], newOffset: targets[$0] ?? 0)
            }
        }

        private func apply(_ rows: [Row], _ kafka: KafkaClient) async throws {
            if let described = try? await Admin(client: kafka).describeGroup(group), !described.members.isEmpty {
                throw CLIFailure(
                    "cannot reset the offsets of group \(group): it has \(described.members.count) active "
                        + "member(s) (state \(described.state)). Stop the group's consumers first.")
            }
            let offsets = Dictionary(
                uniqueKeysWithValues: rows.map { (TopicPartition($0.topic, $0.partition), $0.newOffset) })
            try await kafka.commitOffsets(group: group, offsets: offsets)
        }
    }
}
