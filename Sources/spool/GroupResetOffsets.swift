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
                  spool group reset-offsets billing --all-topics --shift-by -100 --execute
                  spool group reset-offsets billing --topic orders --by-duration PT1H
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The group id.") var group: String
        @Option(help: "The topic whose offsets move.") var topic: String?
        @Flag(help: "Every topic the group has committed offsets for.") var allTopics = false
        @Option(help: "Only this partition (repeatable; default: all).") var partition: [Int32] = []
        @Flag(help: "To the log start offset.") var toEarliest = false
        @Flag(help: "To the log end offset.") var toLatest = false
        @Option(help: "To this offset.") var toOffset: Int64?
        @Option(help: "To the first offset at or after this time (ISO 8601 or ms since the epoch).") var toDatetime:
            String?
        // Unconditional, so that `--shift-by -2` takes -2 as the value rather than as an option.
        @Option(parsing: .unconditional, help: "By this many records from the committed offset (negative moves back).")
        var shiftBy: Int64?
        @Option(help: "To the first offset at or after now minus this duration (PT1H, 30m, 2h, 1d).") var byDuration:
            String?
        @Flag(help: "To the committed offset (the log end offset when there is none).") var toCurrent = false
        @Flag(help: "Commit the new offsets (default: only show them).") var execute = false
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            let targets = [
                toEarliest, toLatest, toOffset != nil, toDatetime != nil, shiftBy != nil, byDuration != nil, toCurrent,
            ].filter { $0 }.count
            guard targets == 1 else {
                throw ValidationError(
                    "choose exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by, "
                        + "--by-duration and --to-current")
            }
            guard (topic != nil) != allTopics else { throw ValidationError("choose one of --topic and --all-topics") }
            guard !allTopics || partition.isEmpty else {
                throw ValidationError("--partition needs --topic: --all-topics takes every partition the group has")
            }
            if let byDuration, durationMs(byDuration) == nil {
                throw ValidationError(
                    "bad --by-duration '\(byDuration)': expected ISO 8601 such as PT1H or P1DT2H, or 30m, 2h, 1d")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let rows: [Admin.OffsetResetRow]
                let admin = Admin(client: kafka)
                do {
                    rows = try await admin.planOffsetReset(
                        group: group, topic: topic, partitions: partition, to: try target())
                    if execute { try await admin.applyOffsetReset(group: group, rows) }
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

        private func target() throws -> Admin.OffsetResetTarget {
            if toEarliest { return .earliest }
            if toLatest { return .latest }
            if toCurrent { return .current }
            if let toOffset { return .offset(toOffset) }
            if let shiftBy { return .shift(shiftBy) }
            if let byDuration, let milliseconds = durationMs(byDuration) {
                return .timestamp(Int64(Date().timeIntervalSince1970 * 1000) - milliseconds)
            }
            return .timestamp(try parseTimestamp(toDatetime ?? "", option: "--to-datetime"))
        }
    }
}

/// A duration in milliseconds from ISO 8601 (`PT1H`, `P1DT2H30M`, `PT45S`) or a short form (`30m`, `2h`, `1d`,
/// `1h30m`, `500ms`); nil when the text is neither.
func durationMs(_ text: String) -> Int64? {
    let second: Int64 = 1000
    let iso = ["D": 86_400 * second, "H": 3_600 * second, "M": 60 * second, "S": second]
    if text.hasPrefix("P") {
        // The date part may hold days only: months and years have no fixed length.
        let parts = text.dropFirst().split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let days = parts[0].isEmpty ? 0 : sumOfUnits(parts[0], ["D": iso["D"] ?? 0])
        let time = parts.count < 2 ? 0 : sumOfUnits(parts[1], iso.filter { $0.key != "D" })
        guard let days, let time, parts.count < 2 || !parts[1].isEmpty, text.count > 1 else { return nil }
        return days + time
    }
    let short = ["ms": 1, "s": second, "m": 60 * second, "h": 3_600 * second, "d": 86_400 * second]
    return sumOfUnits(Substring(text), short)
}

/// The sum of `<digits><unit>` pairs, each unit looked up in `units`; nil on anything else.
private func sumOfUnits(_ text: Substring, _ units: [String: Int64]) -> Int64? {
    var total: Int64 = 0
    var rest = text
    while !rest.isEmpty {
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        rest = rest.dropFirst(digits.count)
        let unit = rest.prefix { $0.isLetter }
        rest = rest.dropFirst(unit.count)
        guard let count = Int64(digits), let scale = units[String(unit)] else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: scale)
        guard !overflow, product <= Int64.max - total else { return nil }
        total += product
    }
    return text.isEmpty ? nil : total
}
