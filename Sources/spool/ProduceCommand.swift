import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SpoolClient
import SpoolRecords

/// `spool produce TOPIC`: one record per input line.
struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce records to a topic, one per line of standard input or a file.",
        discussion: """
            Each line becomes a record's value; with --key-separator, the text before the first separator \
            is its key. Records with a key go to the partition the Java client would pick (murmur2), so \
            they land with the records other clients wrote under the same key.

            Examples:
              echo hello | spool produce greetings
              spool produce orders --file orders.txt --key-separator : --acks all --compression zstd
              spool produce audit --header source=cli --header env=test < events.txt
            """)

    enum Acks: String, ExpressibleByArgument, CaseIterable {
        case zero = "0"
        case one = "1"
        case all
        var value: ProducerConfiguration.Acks {
            switch self {
            case .zero: return .none
            case .one: return .leader
            case .all: return .all
            }
        }
    }

    enum Compression: String, ExpressibleByArgument, CaseIterable {
        case none, gzip, snappy, lz4, zstd
        var codec: CompressionCodec {
            switch self {
            case .none: return .none
            case .gzip: return .gzip
            case .snappy: return .snappy
            case .lz4: return .lz4
            case .zstd: return .zstd
            }
        }
    }

    @OptionGroup var client: ClientOptions
    @Argument(help: "The topic.") var topic: String
    @Option(help: "Read lines from this file instead of standard input.") var file: String?
    @Option(help: "Split each line into KEY<sep>VALUE at the first separator.") var keySeparator: String?
    @Option(help: "A header KEY=VALUE added to every record (repeatable).") var header: [String] = []
    @Option(help: "Acknowledgements: 0, 1 or all.") var acks: Acks = .all
    @Option(help: "Batch compression: none, gzip, snappy, lz4 or zstd.") var compression: Compression = .none
    @Option(help: "Write every record to this partition.") var partition: Int32?
    @Option(help: "How long a batch waits for more records, in ms.") var lingerMs: Int64 = 5

    func run() async throws {
        try await reportingFailures {
            let headers = try keyValues(header, option: "--header").map {
                RecordHeader(key: $0.0, value: ByteBuffer(string: $0.1))
            }
            if let keySeparator, keySeparator.isEmpty { throw CLIFailure("--key-separator must not be empty") }
            let input = try openInput()
            let kafka = try client.client(autoCreate: true)
            do {
                try await awaitTopic(kafka)
            } catch {
                await kafka.close()
                throw client.failure("produce to \(topic)", error)
            }
            let producer = try Producer(
                client: kafka,
                configuration: ProducerConfiguration(
                    acks: acks.value, lingerMs: lingerMs, compression: compression.codec, idempotent: acks == .all,
                    deliveryTimeoutMs: max(client.timeoutMs * 3, 30_000)))
            let failures = NIOLockedValueBox<(count: Int, first: SpoolClientError?)>((0, nil))
            var count = 0
            do {
                while let line = input.next() {
                    let (key, value) = split(line)
                    try await producer.send(
                        topic: topic, key: key, value: value, headers: headers, partition: partition
                    ) { result in
                        if case .failure(let error) = result {
                            failures.withLockedValue { $0 = ($0.count + 1, $0.first ?? error) }
                        }
                    }
                    count += 1
                }
            } catch {
                await producer.close()
                throw client.failure("produce to \(topic)", error)
            }
            await producer.close()
            await kafka.close()
            let (failed, first) = failures.withLockedValue { $0 }
            if let first {
                throw client.failure("produce to \(topic) (\(failed) of \(count) records not written)", first)
            }
        }
    }

    /// Fails at once when the topic does not exist and the broker does not create topics (instead of the
    /// producer's minute of retries); waits briefly for the leader of a topic the broker just created.
    private func awaitTopic(_ kafka: KafkaClient) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let failure: SpoolClientError
            do {
                _ = try await kafka.topicMetadata(topic, refresh: true)
                return
            } catch {
                failure = error
            }
            // LEADER_NOT_AVAILABLE: the broker has just created the topic; anything else is final.
            guard failure.kafkaErrorCode == .leaderNotAvailable, ContinuousClock.now < deadline else { throw failure }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func split(_ line: String) -> (ByteBuffer?, ByteBuffer) {
        guard let keySeparator, let range = line.range(of: keySeparator) else { return (nil, ByteBuffer(string: line)) }
        return (
            ByteBuffer(string: String(line[..<range.lowerBound])), ByteBuffer(string: String(line[range.upperBound...]))
        )
    }

    private func openInput() throws -> LineReader {
        guard let file else { return LineReader(handle: FileHandle.standardInput) }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw CLIFailure("cannot read --file \(file): no such file or no permission")
        }
        return LineReader(handle: handle)
    }
}

/// Reads lines (without their `\n` or `\r\n`) from a file handle in 64 KiB chunks.
final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(handle: FileHandle) { self.handle = handle }

    func next() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = handle.readData(ofLength: 65_536)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
