import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import SpoolClient

/// `spool bench share`: share group consumers (KIP-932) accepting records; rate of accepted records and latency
/// from the record's timestamp (its append) to the moment its acceptance returned.
struct BenchShare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Accept records with share group consumers and report accepted records/s and append-to-ack latency.",
        discussion: """
            --consumers share consumers join a new share group (or --group) on the topic, then --count records \
            (default 1000000) are produced and, once all are written, the consumers take and accept them \
            (implicit acknowledgement: each batch is accepted by the next ShareFetch; the last by ShareAcknowledge). \
            The rate counts records whose acceptance the broker answered; the latency is from each record's \
            timestamp (set when it was produced) to that answer, so with pre-produced records it includes the \
            time they waited in the log. With --live the producers run during consumption instead (at --rate, \
            for --duration or --count), which measures the latency of a queue keeping up.

            Examples:
              spool bench share --topic q1 --partitions 1 --consumers 4 --count 2000000
              spool bench share --topic q8 --partitions 8 --consumers 16 --live --rate 100000 --duration 10
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "The share group (default: a new one per run).") var group: String?
    @Option(help: "Records one ShareFetch may acquire per consumer (MaxRecords).") var maxRecords: Int32 = 500
    @Flag(help: "Produce while consuming instead of before.") var live = false

    func run() async throws {
        let options = self.options
        try await reportingFailures {
            let setup = try options.newClient()
            let partitions = try await options.prepareTopic(setup)
            await setup.close()
            let groupId = group ?? "spool-bench-share-\(UInt32.random(in: 0...UInt32.max))"
            let consumers = try await joinConsumers(groupId: groupId)
            let meter = BenchMeter()
            let produced = BenchMeter()
            let tally = ShareTally(goal: options.recordLimit ?? Int.max)
            if !live {
                // Pre-produced: the group's share-partitions already start at the log end, so these are the records.
                tally.setGoal(try await runProducers(
                    options, stamp: false, meter: produced, stop: BenchStop(limit: nil, deadline: nil)))
            }
            let start = monotonicNanoseconds()
            let stop = BenchStop(limit: nil, deadline: nil)
            let progress = Task { await reportProgress(meter, label: "share") }
            defer { progress.cancel() }
            let workers = Task {
                defer { tally.workersEnded() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for consumer in consumers {
                        group.addTask { try await Self.work(consumer, meter: meter, tally: tally, stop: stop) }
                    }
                    try await group.waitForAll()
                }
            }
            if live {
                let deadline = options.deadline(from: start)
                tally.setGoal(try await runProducers(
                    options, stamp: false, meter: produced, stop: BenchStop(limit: nil, deadline: deadline)))
            }
            let grace = monotonicNanoseconds() + 30_000_000_000
            while meter.finished < tally.goal, monotonicNanoseconds() < grace, !tally.haveWorkersEnded {
                try await Task.sleep(for: .milliseconds(1))
            }
            let elapsed = monotonicNanoseconds() - start
            stop.stop()
            try await workers.value
            progress.cancel()
            for consumer in consumers { await consumer.close() }
            var summary = BenchSummary(
                mode: "share", latency: "append_to_accept", options: options, totals: meter.totals,
                elapsedNanoseconds: elapsed, partitions: partitions.count)
            summary.recordsSent = tally.goal
            summary.errors += produced.totals.errors
            try summary.print(json: options.json)
            if summary.errors > 0 {
                let first = meter.totals.firstError ?? "?"
                throw CLIFailure("\(summary.errors) acknowledgements failed; the first: \(first)")
            }
            if meter.records < tally.goal {
                throw CLIFailure("only \(meter.records) of \(tally.goal) records were accepted in time")
            }
        }
    }

    /// Makes, subscribes and joins every consumer, each with its own client; the first poll of each opens its share
    /// session, which creates the group's share-partitions (at the log end when new).
    private func joinConsumers(groupId: String) async throws -> [ShareConsumer] {
        var consumers: [ShareConsumer] = []
        for _ in 0..<options.consumers {
            let consumer = ShareConsumer(
                client: try options.newClient(),
                configuration: .init(groupId: groupId, maxRecords: maxRecords, fetchMaxWaitMs: 100))
            do {
                try await consumer.subscribe([options.topic])
                _ = try await consumer.poll(timeoutMs: 50)
            } catch {
                throw options.client.failure("join share group \(groupId)", error)
            }
            consumers.append(consumer)
        }
        return consumers
    }

    /// Polls until stopped; each poll's return is the moment the previous batch's acceptance was answered. Once
    /// every record was received, the last batch is accepted with `commit()` (ShareAcknowledge) instead of a
    /// ShareFetch that would wait for records that will not come.
    private static func work(
        _ consumer: ShareConsumer, meter: BenchMeter, tally: ShareTally, stop: BenchStop
    ) async throws {
        var previous: [Int64] = []
        var bytes = 0
        func accepted() {
            guard !previous.isEmpty else { return }
            let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
            meter.record(bytes: bytes, latenciesNanoseconds: previous.map { UInt64(max(0, nowMs - $0)) * 1_000_000 })
            previous.removeAll(keepingCapacity: true)
            bytes = 0
        }
        while !stop.isStopped {
            if tally.allReceived {
                if !previous.isEmpty {
                    for case .failure(let error) in try await consumer.commit().values { meter.fail(error) }
                    accepted()
                }
                try await Task.sleep(for: .milliseconds(1))
                continue
            }
            let records = try await consumer.poll(timeoutMs: 100)
            accepted()
            tally.received(records.count)
            for record in records {
                previous.append(record.record.timestamp)
                bytes += record.record.value?.readableBytes ?? 0
            }
        }
        for case .failure(let error) in try await consumer.commit().values { meter.fail(error) }
        accepted()
    }
}

/// What the share bench's workers share: records received so far and how many there are to receive.
/// Thread-safe: one lock.
final class ShareTally: Sendable {
    private struct State {
        var goal: Int
        var received = 0
        var ended = false
    }

    private let state: NIOLockedValueBox<State>

    init(goal: Int) { state = NIOLockedValueBox(State(goal: goal)) }

    var goal: Int { state.withLockedValue { $0.goal } }
    var allReceived: Bool { state.withLockedValue { $0.received >= $0.goal } }
    var haveWorkersEnded: Bool { state.withLockedValue { $0.ended } }
    func setGoal(_ goal: Int) { state.withLockedValue { $0.goal = goal } }
    func received(_ count: Int) { state.withLockedValue { $0.received += count } }
    func workersEnded() { state.withLockedValue { $0.ended = true } }
}
