import ArgumentParser
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SpoolClient
import SpoolRecords

/// `spool produce TOPIC`: one record per input line (or per --delimiter), its bytes kept as they are.
struct Produce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Produce records to a topic, one per line of standard input or a file.",
        discussion: """
            Each line (or each record ended by --delimiter) becomes a record's value, byte for byte; with \
            --key-separator, the bytes before the first separator are its key, and a line without the separator \
            has no key. --key gives every record the same key. --key-encoding / --value-encoding base64 or hex \
            read binary keys and values written as text; --empty-as-null sends an empty value as null (a \
            tombstone) and an empty key as no key. Records with a key go to the partition the Java client would \
            pick (murmur2), so they land with the records other clients wrote under the same key.

            Examples:
              echo hello | spool produce greetings
              spool produce orders --file orders.txt --key-separator : --acks all --compression zstd
              spool produce audit --header source=cli --header env=test < events.txt
              spool produce blobs --value-encoding base64 < base64-lines.txt
              printf 'a\\0b\\0' | spool produce words --delimiter '\\0'
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
    @Option(help: "The key of every record (instead of --key-separator).") var key: String?
    @Option(help: "What ends each record in the input (escapes like \\n and \\0 allowed).") var delimiter = "\\n"
    @Option(help: "How keys are written in the input: raw, base64 or hex.") var keyEncoding: ByteEncoding = .raw
    @Option(help: "How values are written in the input: raw, base64 or hex.") var valueEncoding: ByteEncoding = .raw
    @Flag(help: "Send an empty value as null (a tombstone) and an empty key as no key.") var emptyAsNull = false
    @Option(help: "A header KEY=VALUE added to every record (repeatable).") var header: [String] = []
    @Option(help: "Acknowledgements: 0, 1 or all.") var acks: Acks = .all
    @Option(help: "Batch compression: none, gzip, snappy, lz4 or zstd.") var compression: Compression = .none
    @Option(help: "Write every record to this partition.") var partition: Int32?
    @Option(help: "How long a batch waits for more records, in ms.") var lingerMs: Int64 = 5
    @Option(help: "The most bytes in one batch per partition (default 1000000, kept within max.message.bytes).")
    var batchBytes: Int?

    /// librdkafka's batch.size default (kcat's; franz-go, under rpk, uses 1 MiB too). Java's 16 KiB made a file of
    /// short lines wait on five in-flight 16 KiB batches per fsync: three times kcat's time for a million lines.
    static let defaultBatchBytes = 1_000_000

    func run() async throws {
        try await reportingFailures {
            let headers = try keyValues(header, option: "--header").map {
                RecordHeader(key: $0.0, value: ByteBuffer(string: $0.1))
            }
            if let keySeparator, keySeparator.isEmpty { throw CLIFailure("--key-separator must not be empty") }
            if key != nil && keySeparator != nil { throw CLIFailure("choose one of --key and --key-separator") }
            let recordDelimiter = unescaped(delimiter)
            if recordDelimiter.isEmpty { throw CLIFailure("--delimiter must not be empty") }
            let input = try openInput(delimiter: recordDelimiter)
            let kafka = try client.client(autoCreate: true)
            do {
                try await awaitTopic(kafka)
            } catch {
                await kafka.close()
                throw client.failure("produce to \(topic)", error)
            }
            do {
                try await checkPartitions(partition.map { [$0] } ?? [], of: topic, kafka: kafka)
            } catch {
                await kafka.close()
                throw error
            }
            let batchSizeBytes = try await batchSize(kafka)
            let producer = try Producer(
                client: kafka,
                configuration: ProducerConfiguration(
                    acks: acks.value, lingerMs: lingerMs, batchSizeBytes: batchSizeBytes, compression: compression.codec,
                    idempotent: acks == .all,
                    deliveryTimeoutMs: max(client.timeoutMs * 3, 30_000)))
            let failures = NIOLockedValueBox<(count: Int, first: SpoolClientError?)>((0, nil))
            let acknowledged = NIOLockedValueBox(0)
            // Ctrl-C (or SIGTERM) while reading: what was read is flushed and counted, then the command ends.
            let interrupt = ProduceInterrupt { [topic] in
                await producer.close()
                await kafka.close()
                Self.report(acknowledged.withLockedValue { $0 }, topic: topic)
            }
            var count = 0
            let splitter = RecordSplitter(
                key: key.map { Array($0.utf8) }, keySeparator: keySeparator.map { Array($0.utf8) },
                keyEncoding: keyEncoding, valueEncoding: valueEncoding, emptyAsNull: emptyAsNull)
            let (topic, partition) = (self.topic, self.partition)
            let sent = NIOLockedValueBox(0)
            let progress = TerminalProgress.start { [topic] in
                let (read, done) = (sent.withLockedValue { $0 }, acknowledged.withLockedValue { $0 })
                return "\(read) records read, \(done) acknowledged by \(topic)"
            }
            defer { progress?.cancel() }
            do {
                // Records already read go to the producer together (one hop for many), but a batch never waits
                // for input: typed or piped lines are sent as they come.
                while let lines = input.nextAvailable(maximum: 4096) {
                    var records: [ProducerRecord] = []
                    records.reserveCapacity(lines.count)
                    for line in lines {
                        let (key, value) = try splitter.split(line)
                        records.append(
                            ProducerRecord(topic: topic, key: key, value: value, headers: headers, partition: partition))
                        count += 1
                    }
                    sent.withLockedValue { [count] in $0 = count }
                    try await producer.send(records) { _, result in
                        switch result {
                        case .success: acknowledged.withLockedValue { $0 += 1 }
                        case .failure(let error): failures.withLockedValue { $0 = ($0.count + 1, $0.first ?? error) }
                        }
                    }
                }
            } catch let error as CLIFailure {
                await producer.close()
                throw CLIFailure("record \(count + 1) of the input: \(error.description); nothing from it on was sent")
            } catch {
                await producer.close()
                throw client.failure("produce to \(topic)", error)
            }
            await producer.close()
            await kafka.close()
            interrupt.cancel()
            await progress?.finish()
            Self.report(acknowledged.withLockedValue { $0 }, topic: topic)
            let (failed, first) = failures.withLockedValue { $0 }
            if let first {
                throw client.failure("produce to \(topic) (\(failed) of \(count) records not written)", first)
            }
        }
    }

    /// The final count, on standard error (standard output stays the records' channel for pipelines).
    static func report(_ acknowledged: Int, topic: String) {
        FileHandle.standardError.write(Data("\(acknowledged) records acknowledged by \(topic)\n".utf8))
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

    /// `--batch-bytes`, or the default kept within the topic's `max.message.bytes` (a batch over it would be refused
    /// whole), leaving room for the batch header; Java's 16 KiB when the topic's configs cannot be read.
    private func batchSize(_ kafka: KafkaClient) async throws -> Int {
        if let batchBytes {
            guard batchBytes > 0 else { throw CLIFailure("--batch-bytes must be positive") }
            return batchBytes
        }
        let configs = try? await Admin(client: kafka).describeConfigs(topic: topic)
        guard let text = configs?.first(where: { $0.name == "max.message.bytes" })?.value, let limit = Int(text) else {
            return 16_384
        }
        return max(1, min(Self.defaultBatchBytes, limit - 1_024))
    }

    private func openInput(delimiter: [UInt8]) throws -> LineReader {
        guard let file else { return LineReader(handle: FileHandle.standardInput, delimiter: delimiter) }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw CLIFailure("cannot read --file \(file): no such file or no permission")
        }
        return LineReader(handle: handle, delimiter: delimiter)
    }
}

/// Makes a record's key and value from one input record: split at the key separator (bytes), each part decoded.
/// The options are copied in once: read through ArgumentParser's property wrappers for every record, they cost
/// a generic-metadata lookup each, a tenth of the line path's time. A value type.
struct RecordSplitter {
    let key: [UInt8]?
    let keySeparator: [UInt8]?
    let keyEncoding: ByteEncoding
    let valueEncoding: ByteEncoding
    let emptyAsNull: Bool

    func split(_ line: ArraySlice<UInt8>) throws -> (ByteBuffer?, ByteBuffer?) {
        var keyBytes: ArraySlice<UInt8>? = key.map { $0[...] }
        var valueBytes = line
        if let keySeparator, let range = line.firstRange(of: keySeparator) {
            keyBytes = line[..<range.lowerBound]
            valueBytes = line[range.upperBound...]
        }
        return (try keyBytes.flatMap { try buffer($0, keyEncoding, field: "key") },
                try buffer(valueBytes, valueEncoding, field: "value"))
    }

    /// The decoded bytes, or nil for empty ones with --empty-as-null; raw bytes go straight into the buffer.
    private func buffer(_ bytes: ArraySlice<UInt8>, _ encoding: ByteEncoding, field: String) throws -> ByteBuffer? {
        if encoding == .raw { return emptyAsNull && bytes.isEmpty ? nil : ByteBuffer(bytes: bytes) }
        let decoded = try encoding.decode(bytes, field: field)
        return emptyAsNull && decoded.isEmpty ? nil : ByteBuffer(bytes: decoded)
    }
}

/// A line on standard error, rewritten four times a second, saying how far a long command has got, when standard
/// error is a terminal (never in a pipe or a log file, where it would be noise). Thread-safe.
final class TerminalProgress: Sendable {
    private let task: Task<Void, Never>

    private init(task: Task<Void, Never>) {
        self.task = task
    }

    /// Starts the line when standard error is a terminal; nil otherwise.
    static func start(_ describe: @escaping @Sendable () -> String) -> TerminalProgress? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return TerminalProgress(task: Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if Task.isCancelled { break }
                // Erase to the end of the line: a shorter text must not leave the end of a longer one behind.
                FileHandle.standardError.write(Data("\r\(describe())\u{1B}[K".utf8))
            }
        })
    }

    /// Stops the line and clears it, so the final count stands alone.
    func finish() async {
        task.cancel()
        _ = await task.value
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    func cancel() {
        task.cancel()
    }
}

/// Reads records ended by a delimiter (a newline by default, where a `\r` before it is dropped too) from a file
/// handle in 64 KiB chunks, as bytes: nothing is decoded or replaced.
final class LineReader {
    private let handle: FileHandle
    private let delimiter: [UInt8]
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(handle: FileHandle, delimiter: [UInt8] = [0x0a]) {
        self.handle = handle
        self.delimiter = delimiter
    }

    /// The next record, then every further one already read, up to `maximum`; reads more only when none is
    /// buffered. Nil at the end of the input.
    func nextAvailable(maximum: Int) -> [ArraySlice<UInt8>]? {
        guard let first = next() else { return nil }
        var records = [first]
        while records.count < maximum, let record = nextBuffered() { records.append(record) }
        return records
    }

    /// The next record when a whole one is already buffered (or the input has ended), without reading.
    private func nextBuffered() -> ArraySlice<UInt8>? {
        guard atEnd || delimiterRange(from: start) != nil else { return nil }
        return next()
    }

    /// Where the delimiter next occurs at or after `index` in the buffer.
    private func delimiterRange(from index: Int) -> Range<Int>? {
        guard let first = delimiter.first else { return nil }
        var candidate = index
        while let found = buffer[candidate...].firstIndex(of: first) {
            let end = found + delimiter.count
            if end <= buffer.count, delimiter.count == 1 || buffer[found..<end].elementsEqual(delimiter) {
                return found..<end
            }
            candidate = found + 1
        }
        return nil
    }

    func next() -> ArraySlice<UInt8>? {
        while true {
            if let range = delimiterRange(from: start) {
                var end = range.lowerBound
                if delimiter == [0x0a], end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[start..<end]
                start = range.upperBound
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            // read(2), not FileHandle.readData(ofLength:), which waits for the whole length: a typed line or a
            // piped one must be sent when it arrives, not when 64 KiB have gathered.
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { Foundation.read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { atEnd = true } else { buffer.append(contentsOf: chunk[..<count]) }
        }
    }
}

/// On SIGINT or SIGTERM, runs `finish` (flush, close, report) and exits with the signal's status (130 / 143);
/// the read loop may be blocked on standard input, so the signal cannot just set a flag.
/// Not thread-safe: made and cancelled by the command's own task.
final class ProduceInterrupt {
    private var sources: [any DispatchSourceSignal] = []

    init(finish: @escaping @Sendable () async -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Task {
                    await finish()
                    exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops listening (the input ended and the command finishes on its own).
    func cancel() {
        for source in sources { source.cancel() }
    }
}
