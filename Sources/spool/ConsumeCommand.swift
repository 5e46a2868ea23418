import ArgumentParser
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SpoolClient

/// `spool consume TOPIC`: prints records as they arrive.
struct Consume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume records from a topic and print them.",
        discussion: """
            Prints each record's value on its own line, or with --format json one JSON object per line with \
            topic, partition, offset, timestamp, key, value and headers. Without a starting point it starts \
            at the end (only new records), or with --group at the group's committed offsets. Stops after \
            --count records, at the end of the log with --exit-at-end, or on Ctrl-C.

            Examples:
              spool consume orders --from-beginning
              spool consume orders --offset 42 --partition 0 --count 10
              spool consume orders --timestamp 2026-11-25T09:00:00Z --format json
              spool consume orders --group billing --from-beginning --exit-at-end
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var client: ClientOptions
    @Argument(help: "The topic.") var topic: String
    @Flag(help: "Start at the first record still in the log.") var fromBeginning = false
    @Flag(help: "Start after the last record (only new records).") var fromEnd = false
    @Option(help: "Start at this offset (in every partition consumed).") var offset: Int64?
    @Option(help: "Start at the first record at or after this time: ms since the epoch or ISO 8601.")
    var timestamp: String?
    @Option(help: "Consume only this partition (repeatable; default: all).") var partition: [Int32] = []
    @Option(help: "Consume as this consumer group; what was consumed is committed before exiting.") var group: String?
    @Option(help: "Stop after this many records.") var count: Int?
    @Flag(help: "Stop at the end of the log, as it was at start.") var exitAtEnd = false
    @Option(help: "text (the value) or json.") var format: Format = .text

    func validate() throws {
        let starts = [fromBeginning, fromEnd, offset != nil, timestamp != nil].filter { $0 }.count
        guard starts <= 1 else {
            throw ValidationError("choose one of --from-beginning, --from-end, --offset and --timestamp")
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    /// The starting point the flags ask for, or nil for the default.
    func startingPoint() throws -> OffsetSpec? {
        if fromBeginning { return .beginning }
        if fromEnd { return .end }
        if let offset { return .offset(offset) }
        guard let timestamp else { return nil }
        return .timestamp(try parseTimestamp(timestamp, option: "--timestamp"))
    }

    func run() async throws {
        try await reportingFailures {
            let start = try startingPoint()
            let kafka = try client.client()
            let session: ConsumeSession
            do {
                session = try await ConsumeSession.open(
                    kafka: kafka, topic: topic, partitions: partition, group: group, start: start,
                    exitAtEnd: exitAtEnd)
            } catch {
                await kafka.close()
                throw client.failure("consume from \(topic)", error)
            }
            // From here on Ctrl-C stops the loop so that what was printed gets committed (before, it just exits).
            let stop = StopSignal()
            do {
                try await session.run(limit: count, stop: stop) { record in print(line(for: record)) }
                try await session.finish()
            } catch {
                try? await session.finish()
                await kafka.close()
                throw client.failure("consume from \(topic)", error)
            }
            await kafka.close()
        }
    }

    private func line(for record: ConsumerRecord) -> String {
        switch format {
        case .text: return record.value.map { String(buffer: $0) } ?? ""
        case .json:
            let json = JSONRecord(
                topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp,
                key: record.key.map { String(buffer: $0) }, value: record.value.map { String(buffer: $0) },
                headers: record.headers.map { .init(key: $0.key, value: $0.value.map { String(buffer: $0) }) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(json)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }

    struct JSONRecord: Encodable {
        struct Header: Encodable {
            var key: String
            var value: String?
        }
        var topic: String
        var partition: Int32
        var offset: Int64
        var timestamp: Int64
        var key: String?
        var value: String?
        var headers: [Header]
    }
}

/// Set by SIGINT or SIGTERM, so that a consume loop stops between polls and commits what it printed.
/// Used from the command's own task only.
final class StopSignal {
    private let stopped = NIOLockedValueBox(false)
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stopped] in stopped.withLockedValue { $0 = true } }
            source.resume()
            sources.append(source)
        }
    }

    var isStopped: Bool { stopped.withLockedValue { $0 } }
}
