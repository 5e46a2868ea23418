import ArgumentParser
import Foundation
import SpoolClient

/// `spool bench produce|consume|e2e|share`: load the broker through SpoolClient and report rates and latencies;
/// `spool bench compaction` times the log cleaner on a log of its own, without a broker.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure produce, consume and end-to-end throughput and latency against a broker.",
        discussion: """
            Each mode prints a progress line per second on standard error and a summary at the end \
            (latency percentiles from an HdrHistogram); --json prints the summary as one JSON object.

            Examples:
              spool bench produce --topic perf --record-size 100 --count 1000000 --acks all
              spool bench consume --topic perf --json
              spool bench e2e --topic lat --rate 100000 --duration 10
              spool bench share --topic queue --consumers 4 --count 2000000
              spool bench compaction --log-bytes 1073741824   # no broker: the log cleaner on a log of its own
            """,
        subcommands: [BenchProduce.self, BenchConsume.self, BenchEndToEnd.self, BenchShare.self, BenchCompaction.self])
}

/// The options every bench mode shares.
struct BenchOptions: ParsableArguments {
    @OptionGroup var client: ClientOptions
    @Option(help: "The topic; created with --partitions when missing.") var topic = "spool-bench"
    @Option(help: "Bytes per record value.") var recordSize = 100
    @Option(help: "Stop after this many records (default 1000000 when --duration is not given).") var count: Int?
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(help: "Records per second in all (default: as fast as possible).") var rate: Double?
    @Option(help: "Partitions of the topic when it is created.") var partitions: Int32 = 1
    @Option(help: "Acknowledgements: 0, 1 or all (all is fsynced on Spool).") var acks: Produce.Acks = .all
    @Option(help: "Batch compression: none, gzip, snappy, lz4 or zstd.") var compression: Produce.Compression = .none
    @Option(help: "Concurrent producers, each with its own connection.") var producers = 1
    @Option(help: "Concurrent consumers, each with its own connection and a share of the partitions.")
    var consumers = 1
    @Option(help: "How long a batch waits for more records, in ms.") var lingerMs: Int64 = 5
    // 512 KiB leaves room under the broker's default max.message.bytes (1 MiB) for a batch's last record.
    @Option(help: "Bytes of records per batch before it is sent.") var batchSize = 524_288
    @Option(help: ArgumentHelp(
        "The broker's process id, on this machine: the summary then gives the broker's CPU seconds per GB.",
        discussion: "Read from /proc/<pid>/stat before and after the run (Linux), so the figure is the broker's "
            + "own cost, not this load generator's."))
    var brokerPid: Int32?
    @Flag(help: "Print the summary as one JSON object on standard output.") var json = false

    func validate() throws {
        guard recordSize >= 0, recordSize <= 16 * 1024 * 1024 else {
            throw ValidationError("--record-size must be between 0 and 16777216 bytes")
        }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive (seconds)") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive (records per second)") }
        guard partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
        guard producers > 0, producers <= 64 else { throw ValidationError("--producers must be between 1 and 64") }
        guard consumers > 0, consumers <= 64 else { throw ValidationError("--consumers must be between 1 and 64") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let brokerPid, BrokerCPU.read(pid: brokerPid) == nil {
            throw ValidationError("--broker-pid \(brokerPid): no such process readable in /proc on this machine")
        }
    }

    /// The record limit: --count, else a million unless --duration bounds the run.
    var recordLimit: Int? { count ?? (duration == nil ? 1_000_000 : nil) }

    /// The run's end on the monotonic clock, or nil without --duration.
    func deadline(from start: UInt64) -> UInt64? { duration.map { start + UInt64($0 * 1e9) } }

    /// Creates the topic with --partitions unless it exists; returns its partitions.
    func prepareTopic(_ kafka: KafkaClient) async throws -> [TopicPartition] {
        do {
            try await Admin(client: kafka).createTopic(topic, partitions: partitions)
        } catch let error where error.kafkaErrorCode == .topicAlreadyExists {
            // Reusing an existing topic keeps its partition count.
        } catch {
            throw client.failure("create topic \(topic)", error)
        }
        do {
            let metadata = try await kafka.topicMetadata(topic, refresh: true)
            return metadata.partitions.map { TopicPartition(topic, $0.index) }.sorted { $0.partition < $1.partition }
        } catch {
            throw client.failure("read the metadata of \(topic)", error)
        }
    }

    /// A new client with its own connections.
    func newClient() throws -> KafkaClient { try client.client(autoCreate: false) }

    /// The producer settings the options describe (idempotent with acks=all, as `spool produce`).
    var producerConfiguration: ProducerConfiguration {
        ProducerConfiguration(
            acks: acks.value, lingerMs: lingerMs, batchSizeBytes: batchSize, compression: compression.codec,
            idempotent: acks == .all, bufferMemoryBytes: max(64 * 1024 * 1024, batchSize * 4),
            deliveryTimeoutMs: max(client.timeoutMs * 3, 30_000))
    }
}

/// The result of one run, printed as a table or (with --json) one JSON object with snake_case keys.
struct BenchSummary: Codable {
    var mode: String
    var topic: String
    /// What the latency measures: `send_to_ack`, `fetch` (one poll) or `send_to_receive`.
    var latency: String
    var records: Int
    var bytes: Int
    var errors: Int
    var recordSize: Int
    var elapsedSec: Double
    var recordsPerSec: Double
    var mbPerSec: Double
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var p999Ms: Double
    var maxMs: Double
    var meanMs: Double
    var targetRate: Double?
    var acks: String
    var compression: String
    var partitions: Int
    var producers: Int
    var consumers: Int
    var recordsSent: Int?
    /// The broker's CPU seconds (user and system) during the run, with --broker-pid.
    var brokerCpuSec: Double?
    /// The broker's CPU seconds per 10^9 bytes of records counted, with --broker-pid.
    var brokerCpuSecPerGB: Double?
    /// Minor page faults the broker took during the run (memory it mapped afresh), with --broker-pid.
    var brokerMinorFaults: Int?

    enum CodingKeys: String, CodingKey {
        case mode, topic, latency, records, bytes, errors, acks, compression, partitions, producers, consumers
        case recordSize = "record_size", elapsedSec = "elapsed_sec", recordsPerSec = "records_per_sec"
        case mbPerSec = "mb_per_sec", p50Ms = "p50_ms", p90Ms = "p90_ms", p99Ms = "p99_ms", p999Ms = "p999_ms"
        case maxMs = "max_ms", meanMs = "mean_ms", targetRate = "target_rate", recordsSent = "records_sent"
        case brokerCpuSec = "broker_cpu_sec", brokerCpuSecPerGB = "broker_cpu_sec_per_gb"
        case brokerMinorFaults = "broker_minor_faults"
    }

    /// Adds the broker's CPU since `start` (nothing without --broker-pid).
    mutating func addBrokerCPU(since start: BrokerCPU?) {
        guard let start, let (seconds, faults) = start.elapsed() else { return }
        brokerCpuSec = seconds
        brokerMinorFaults = faults
        brokerCpuSecPerGB = bytes > 0 ? seconds / (Double(bytes) / 1e9) : nil
    }

    init(mode: String, latency: String, options: BenchOptions, totals: BenchMeter.Totals, elapsedNanoseconds: UInt64,
         partitions: Int) {
        let seconds = max(Double(elapsedNanoseconds) / 1e9, 1e-9)
        self.mode = mode
        self.topic = options.topic
        self.latency = latency
        records = totals.records
        bytes = totals.bytes
        errors = totals.errors
        recordSize = options.recordSize
        elapsedSec = seconds
        recordsPerSec = Double(totals.records) / seconds
        mbPerSec = Double(totals.bytes) / seconds / 1e6
        p50Ms = milliseconds(totals.latency, 50)
        p90Ms = milliseconds(totals.latency, 90)
        p99Ms = milliseconds(totals.latency, 99)
        p999Ms = milliseconds(totals.latency, 99.9)
        maxMs = totals.latency.totalCount == 0 ? 0 : Double(totals.latency.max) / 1_000
        meanMs = totals.latency.totalCount == 0 ? 0 : totals.latency.mean / 1_000
        targetRate = options.rate
        acks = options.acks.rawValue
        compression = options.compression.rawValue
        self.partitions = partitions
        producers = options.producers
        consumers = options.consumers
    }

    /// Prints the summary: JSON on one line, or a few lines for people.
    func print(json: Bool) throws {
        if json { return try printJSON(self, compact: true) }
        let rate = String(format: "%.0f records/s, %.1f MB/s", recordsPerSec, mbPerSec)
        Swift.print("\(mode): \(records) records of \(recordSize) B in \(String(format: "%.2f", elapsedSec)) s: \(rate)")
        Swift.print("latency (\(latency)) ms: " + String(
            format: "p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  mean %.2f",
            p50Ms, p90Ms, p99Ms, p999Ms, maxMs, meanMs))
        if let recordsSent { Swift.print("records sent: \(recordsSent), received: \(records)") }
        if let brokerCpuSec {
            Swift.print(String(format: "broker CPU: %.2f s", brokerCpuSec)
                + (brokerCpuSecPerGB.map { String(format: ", %.2f s per GB", $0) } ?? "")
                + (brokerMinorFaults.map { ", \($0) minor page faults" } ?? ""))
        }
        if errors > 0 { Swift.print("errors: \(errors)") }
    }
}

/// A value of `size` bytes drawn from a fixed pseudo-random alphabet, so compression sees text-like data.
func benchValue(size: Int, seed: Int) -> [UInt8] {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<size).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return alphabet[Int(state % UInt64(alphabet.count))]
    }
}

/// A process's CPU seconds and minor page faults from a starting point, read from /proc (the broker's, for
/// `--broker-pid`).
struct BrokerCPU {
    let pid: Int32
    let start: (seconds: Double, minorFaults: Int)

    /// Reads the starting point; nil without a pid or when /proc cannot be read.
    init?(pid: Int32?) {
        guard let pid, let start = Self.read(pid: pid) else { return nil }
        self.pid = pid
        self.start = start
    }

    /// CPU seconds and minor page faults since the starting point.
    func elapsed() -> (seconds: Double, minorFaults: Int)? {
        Self.read(pid: pid).map { ($0.seconds - start.seconds, $0.minorFaults - start.minorFaults) }
    }

    /// User plus system CPU seconds of `pid` (fields 14 and 15 of /proc/<pid>/stat, in clock ticks) and its minor
    /// page faults (field 10).
    static func read(pid: Int32) -> (seconds: Double, minorFaults: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let faults = Int(fields[7]), let user = Double(fields[11]),
              let system = Double(fields[12])
        else { return nil }
        return ((user + system) / Double(sysconf(Int32(_SC_CLK_TCK))), faults)
    }
}
