import ArgumentParser
import Foundation
import SpoolClient

/// `spool bench produce`: records of --record-size from --producers producers, latency send → acknowledgement.
struct BenchProduce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce", abstract: "Produce records as fast as allowed and report rates and ack latency.")

    @OptionGroup var options: BenchOptions

    func run() async throws {
        try await reportingFailures {
            let setup = try options.newClient()
            let partitions = try await options.prepareTopic(setup)
            await setup.close()
            let meter = BenchMeter()
            let brokerCPU = BrokerCPU(pid: options.brokerPid)
            let start = monotonicNanoseconds()
            let stop = BenchStop(limit: nil, deadline: options.deadline(from: start))
            let progress = Task { await reportProgress(meter, label: "produce") }
            defer { progress.cancel() }
            _ = try await runProducers(options, stamp: false, meter: meter, stop: stop)
            progress.cancel()
            var summary = BenchSummary(
                mode: "produce", latency: "send_to_ack", options: options, totals: meter.totals,
                elapsedNanoseconds: monotonicNanoseconds() - start, partitions: partitions.count)
            summary.addBrokerCPU(since: brokerCPU)
            try finish(summary, meter: meter, json: options.json)
        }
    }
}

/// `spool bench consume`: reads the topic from its start to the end it had when the run began.
struct BenchConsume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read a topic from the beginning to its current end and report rates and fetch latency.",
        discussion: "Fill the topic first, e.g. with `spool bench produce`; --count and --duration stop earlier.")

    @OptionGroup var options: BenchOptions

    func run() async throws {
        try await reportingFailures {
            let setup = try options.newClient()
            let partitions = try await options.prepareTopic(setup)
            let (starts, ends) = try await offsets(setup, partitions)
            await setup.close()
            let available = partitions.reduce(0) { $0 + Int((ends[$1] ?? 0) - (starts[$1] ?? 0)) }
            guard available > 0 else {
                throw CLIFailure("topic \(options.topic) has no records to consume; fill it first with "
                    + "`spool bench produce --topic \(options.topic)`")
            }
            let meter = BenchMeter()
            let brokerCPU = BrokerCPU(pid: options.brokerPid)
            let start = monotonicNanoseconds()
            let stop = BenchStop(limit: options.count, deadline: options.deadline(from: start))
            let progress = Task { await reportProgress(meter, label: "consume") }
            defer { progress.cancel() }
            try await runConsumers(
                options, partitions: partitions, starts: starts, ends: ends, measure: .fetch, meter: meter, stop: stop)
            progress.cancel()
            var summary = BenchSummary(
                mode: "consume", latency: "fetch", options: options, totals: meter.totals,
                elapsedNanoseconds: monotonicNanoseconds() - start, partitions: partitions.count)
            summary.addBrokerCPU(since: brokerCPU)
            try finish(summary, meter: meter, json: options.json)
        }
    }

    private func offsets(_ kafka: KafkaClient, _ partitions: [TopicPartition]) async throws
        -> ([TopicPartition: Int64], [TopicPartition: Int64])
    {
        do {
            let starts = try await kafka.listOffsets(
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaClient.earliestTimestamp) }))
            let ends = try await kafka.listOffsets(
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaClient.latestTimestamp) }))
            return (starts, ends)
        } catch {
            throw options.client.failure("list the offsets of \(options.topic)", error)
        }
    }
}

/// `spool bench e2e`: producers at a fixed rate, consumers at the log end; latency is send → receipt.
struct BenchEndToEnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Produce at a fixed rate while consuming, and report latency from send to receipt.",
        discussion: """
            Each value carries its send time in its first 8 bytes, so --record-size must be at least 8. \
            Without --rate the rate is 10000 records/s; without --count or --duration the run lasts 10 s.
            """)

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard options.recordSize >= 8 else {
            throw ValidationError("e2e needs --record-size of at least 8: each value starts with its send time")
        }
    }

    func run() async throws {
        var configured = self.options
        if configured.rate == nil { configured.rate = 10_000 }
        if configured.count == nil, configured.duration == nil { configured.duration = 10 }
        let options = configured
        try await reportingFailures {
            let setup = try options.newClient()
            let partitions = try await options.prepareTopic(setup)
            let ends: [TopicPartition: Int64]
            do {
                ends = try await setup.listOffsets(
                    Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaClient.latestTimestamp) }))
            } catch {
                throw options.client.failure("list the offsets of \(options.topic)", error)
            }
            await setup.close()
            let received = BenchMeter()
            let acknowledged = BenchMeter()
            let brokerCPU = BrokerCPU(pid: options.brokerPid)
            let start = monotonicNanoseconds()
            let consumeStop = BenchStop(limit: nil, deadline: nil)
            let progress = Task { await reportProgress(received, label: "e2e") }
            defer { progress.cancel() }
            let consumers = Task {
                try await runConsumers(
                    options, partitions: partitions, starts: ends, ends: nil, measure: .endToEnd, meter: received,
                    stop: consumeStop)
            }
            let produceStop = BenchStop(limit: nil, deadline: options.deadline(from: start))
            let sent: Int
            do {
                sent = try await runProducers(options, stamp: true, meter: acknowledged, stop: produceStop)
            } catch {
                consumeStop.stop()
                _ = try? await consumers.value
                throw error
            }
            // Wait for the acknowledged records to arrive, at most 10 s more.
            let grace = monotonicNanoseconds() + 10_000_000_000
            while received.records < acknowledged.records, monotonicNanoseconds() < grace {
                try await Task.sleep(for: .milliseconds(5))
            }
            consumeStop.stop()
            try await consumers.value
            progress.cancel()
            var summary = BenchSummary(
                mode: "e2e", latency: "send_to_receive", options: options, totals: received.totals,
                elapsedNanoseconds: monotonicNanoseconds() - start, partitions: partitions.count)
            summary.recordsSent = sent
            summary.errors += acknowledged.totals.errors
            summary.addBrokerCPU(since: brokerCPU)
            try finish(summary, meter: acknowledged, json: options.json)
        }
    }
}

/// Runs --producers producers with their shares of the record limit and the rate; returns records sent.
func runProducers(_ options: BenchOptions, stamp: Bool, meter: BenchMeter, stop: BenchStop) async throws -> Int {
    let counts = options.recordLimit.map { shares(of: $0, parts: options.producers) }
    let deadline = stop.deadline
    return try await withThrowingTaskGroup(of: Int.self) { group in
        for index in 0..<options.producers {
            let worker = BenchProducerWorker(
                options: options, index: index, share: counts?[index], rate: options.rate.map { $0 / Double(options.producers) },
                deadline: deadline, stampValues: stamp)
            group.addTask { try await worker.run(meter: meter, stop: stop) }
        }
        return try await group.reduce(0, +)
    }
}

/// Runs --consumers consumers, consumer i reading the partitions whose index mod the count is i.
func runConsumers(
    _ options: BenchOptions, partitions: [TopicPartition], starts: [TopicPartition: Int64],
    ends: [TopicPartition: Int64]?, measure: BenchConsumerWorker.Measure, meter: BenchMeter, stop: BenchStop
) async throws {
    guard options.consumers <= partitions.count else {
        throw CLIFailure("--consumers \(options.consumers) is more than the \(partitions.count) partitions of "
            + "\(options.topic): each consumer reads whole partitions, so use at most \(partitions.count)")
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<options.consumers {
            let mine = partitions.filter { Int($0.partition) % options.consumers == index }
            let worker = BenchConsumerWorker(
                options: options, starts: starts.filter { mine.contains($0.key) },
                ends: ends?.filter { mine.contains($0.key) }, measure: measure)
            group.addTask { try await worker.run(meter: meter, stop: stop) }
        }
        try await group.waitForAll()
    }
}

/// Prints the summary; a run where records failed exits 1 after it, naming the first failure.
private func finish(_ summary: BenchSummary, meter: BenchMeter, json: Bool) throws {
    try summary.print(json: json)
    if summary.errors > 0 {
        let first = meter.totals.firstError ?? "unknown error"
        throw CLIFailure("\(summary.errors) records failed; the first: \(first). Check the broker's log.")
    }
}
