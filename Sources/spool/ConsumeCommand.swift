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
            Writes each record's value, byte for byte, followed by --delimiter (a newline); or with --format json \
            one JSON object per line with topic, partition, offset, timestamp, key, value and headers (a key or \
            value that is not UTF-8 is base64, marked by key_encoding / value_encoding); or with a format string \
            as kcat's -f: %t topic, %p partition, %o offset, %T timestamp, %k key, %v value, %h headers, \
            %K and %S key and value lengths (-1 for null), %% and \\n-style escapes. --key-encoding and \
            --value-encoding write base64 or hex instead of the raw bytes. Without a starting point it starts \
            at the end (only new records), or with --group at the group's committed offsets. Stops after \
            --count records, at the end of the log with --exit-at-end, on Ctrl-C, or when the reader of its \
            output goes away (`| head`).

            Examples:
              spool consume orders --from-beginning
              spool consume orders --offset 42 --partition 0 --count 10
              spool consume orders --timestamp 2026-11-25T09:00:00Z --format json
              spool consume orders --group billing --from-beginning --exit-at-end
              spool consume blobs --from-beginning --format '%p/%o %k=%v\\n' --value-encoding hex
            """)

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
    @Option(help: "text (the value), json, or a format string (%t %p %o %T %k %v %h %K %S).") var format = "text"
    @Option(help: "How keys are written: raw, base64 or hex.") var keyEncoding: ByteEncoding = .raw
    @Option(help: "How values and header values are written: raw, base64 or hex.") var valueEncoding: ByteEncoding = .raw
    @Option(help: "What follows each value with --format text (escapes like \\n allowed).") var delimiter = "\\n"

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
            do {
                try await checkPartitions(partition, of: topic, kafka: kafka)
            } catch {
                await kafka.close()
                throw error
            }
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
            let output = StandardOutput()
            let recordFormat = RecordFormat(format)
            let terminator = unescaped(delimiter)
            do {
                do {
                    try await session.run(limit: count, stop: stop, output: output) { record in
                        recordFormat.render(record, key: keyEncoding, value: valueEncoding, delimiter: terminator)
                    }
                } catch is StandardOutput.OutputClosed {
                    // The reader went away (`| head`): what it read is committed, and that is a normal end.
                }
                try await session.finish()
            } catch {
                try? await session.finish()
                await kafka.close()
                throw client.failure("consume from \(topic)", error)
            }
            await kafka.close()
        }
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
