import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SpoolClient

/// One producer of a bench run: its own client and connection, its share of the records and of the rate.
struct BenchProducerWorker: Sendable {
    let options: BenchOptions
    let index: Int
    /// Records this producer sends at most (nil: until the deadline).
    let share: Int?
    /// Records per second for this producer (nil: as fast as possible).
    let rate: Double?
    let deadline: UInt64?
    /// Whether each value starts with the send time (8 bytes, big-endian monotonic nanoseconds) for e2e.
    let stampValues: Bool

    /// Sends records until the share or the deadline, then waits for every acknowledgement.
    /// - Parameter meter: counts acknowledged records with their send-to-acknowledgement latency.
    /// - Returns: how many records were handed to the producer.
    /// - Throws: `CLIFailure` when a record cannot be queued (closed connection, unknown topic).
    func run(meter: BenchMeter, stop: BenchStop) async throws -> Int {
        let kafka = try options.newClient()
        let producer: Producer
        do {
            producer = try Producer(client: kafka, configuration: options.producerConfiguration)
        } catch {
            await kafka.close()
            throw options.client.failure("start a producer", error)
        }
        let template = ByteBuffer(bytes: benchValue(size: options.recordSize, seed: index))
        let size = options.recordSize
        let topic = options.topic
        let pacer = Pacer(rate: rate)
        var sent = 0
        do {
            while share.map({ sent < $0 }) ?? true, !stop.isStopped {
                if let deadline, monotonicNanoseconds() >= deadline { break }
                await pacer.wait(for: sent)
                let start = monotonicNanoseconds()
                // Every record due by now, up to 256, in one call onto the producer; each is stamped with
                // this moment, when it is handed over.
                let count = min(256, max(1, pacer.due(now: start) - sent), share.map { $0 - sent } ?? Int.max)
                var value = template
                if stampValues { value.setInteger(start, at: value.readerIndex) }
                let records = Array(repeating: ProducerRecord(topic: topic, value: value), count: count)
                try await producer.send(records) { _, result in
                    switch result {
                    case .success: meter.record(bytes: size, latencyNanoseconds: monotonicNanoseconds() - start)
                    case .failure(let error): meter.fail(error)
                    }
                }
                sent += count
            }
        } catch {
            await producer.close()
            await kafka.close()
            throw options.client.failure("produce to \(topic)", error)
        }
        await producer.close()
        await kafka.close()
        return sent
    }
}

/// One consumer of a bench run: its own client, a share of the partitions, each from a given offset.
struct BenchConsumerWorker: Sendable {
    enum Measure: Sendable {
        /// The time of each poll that returned records (consume mode).
        case fetch
        /// Now minus the send time stamped in the first 8 bytes of each value (e2e mode).
        case endToEnd
    }

    let options: BenchOptions
    let starts: [TopicPartition: Int64]
    /// Where to stop per partition (consume mode), or nil to read until stopped.
    let ends: [TopicPartition: Int64]?
    let measure: Measure

    /// Polls until every partition reaches its end, or `stop` says so.
    /// - Throws: `CLIFailure` for a fetch error the consumer cannot get past.
    func run(meter: BenchMeter, stop: BenchStop) async throws {
        let kafka = try options.newClient()
        let consumer = Consumer(client: kafka, configuration: ConsumerConfiguration(
            autoOffsetReset: .earliest, fetchMaxWaitMs: 100, maxPartitionFetchBytes: 8 * 1024 * 1024))
        do {
            await consumer.assign(Array(starts.keys))
            for (partition, offset) in starts { try await consumer.seek(partition, to: .offset(offset)) }
            while !stop.isStopped, !(await reachedEnd(consumer)) {
                let before = monotonicNanoseconds()
                let records = try await consumer.poll(timeoutMs: 200)
                let after = monotonicNanoseconds()
                guard !records.isEmpty else { continue }
                count(records, before: before, after: after, meter: meter)
                stop.check(meter)
            }
        } catch {
            await consumer.close()
            await kafka.close()
            throw options.client.failure("consume from \(options.topic)", error)
        }
        await consumer.close()
        await kafka.close()
    }

    private func count(_ records: [ConsumerRecord], before: UInt64, after: UInt64, meter: BenchMeter) {
        switch measure {
        case .fetch:
            let bytes = records.reduce(0) { $0 + ($1.value?.readableBytes ?? 0) }
            meter.record(records: records.count, bytes: bytes, latencyNanoseconds: after - before)
        case .endToEnd:
            for record in records {
                let value = record.value
                let stamp = value.flatMap { $0.getInteger(at: $0.readerIndex, as: UInt64.self) }
                meter.record(
                    bytes: value?.readableBytes ?? 0,
                    latencyNanoseconds: stamp.map { after > $0 ? after - $0 : 0 })
            }
        }
    }

    private func reachedEnd(_ consumer: Consumer) async -> Bool {
        guard let ends else { return false }
        for (partition, end) in ends {
            guard let position = await consumer.position(partition), position >= end else { return false }
        }
        return true
    }
}

/// When a bench run stops: a record limit, a deadline, an explicit stop, or Ctrl-C (SIGINT) / SIGTERM, after which
/// the run ends as at its deadline and prints the summary of what ran.
/// Thread-safe: the flag is behind a lock; the signal sources are set once in `init` and never changed.
final class BenchStop: @unchecked Sendable {
    private let stopped = NIOLockedValueBox(false)
    private let signalSources: [any DispatchSourceSignal]
    let limit: Int?
    let deadline: UInt64?

    init(limit: Int?, deadline: UInt64?) {
        self.limit = limit
        self.deadline = deadline
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            sources.append(source)
        }
        signalSources = sources
        for source in sources {
            source.setEventHandler { [stopped] in stopped.withLockedValue { $0 = true } }
            source.resume()
        }
    }

    deinit {
        for source in signalSources { source.cancel() }
    }

    /// Whether the run should stop now (the deadline counts even before anyone calls `check`).
    var isStopped: Bool {
        if let deadline, monotonicNanoseconds() >= deadline { return true }
        return stopped.withLockedValue { $0 }
    }

    /// Stops once the meter reached the limit.
    func check(_ meter: BenchMeter) {
        if let limit, meter.records >= limit { stop() }
    }

    func stop() { stopped.withLockedValue { $0 = true } }
}

/// Splits `total` into `parts` shares that differ by at most one.
func shares(of total: Int, parts: Int) -> [Int] {
    (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
}
