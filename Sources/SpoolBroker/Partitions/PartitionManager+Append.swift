import NIOConcurrencyHelpers
import NIOCore
import SpoolLog
import SpoolMetadata
import SpoolProtocol
import SpoolRecords

/// How many replicas must have a produced batch before the producer hears of it (Kafka's `acks`). On one broker
/// "all" means on disk: the group-commit fsync that covers the batch.
enum RequiredAcks: Int16, Sendable {
    /// No answer at all (acks=0).
    case none = 0
    /// Answered once the leader wrote it to its log (acks=1).
    case leader = 1
    /// Answered once every in-sync replica has it (acks=all, -1): here once it is fsynced.
    case all = -1
}

/// One partition's records in a produce request.
struct ProduceInput: Sendable {
    let partition: TopicPartition
    /// The record batches as the client sent them (nil or empty is refused).
    let records: ByteBuffer?
}

/// What appending one partition's records gave: offsets, or an error code and a message for the client.
struct AppendOutcome: Sendable {
    var error: BrokerError?
    /// The first offset given (-1 on error).
    var baseOffset: Int64 = -1
    /// The broker's append time with LogAppendTime, -1 with CreateTime or on error.
    var logAppendTime: Int64 = -1
    /// The log start offset after the append (-1 on error).
    var logStartOffset: Int64 = -1

    static func failed(_ error: BrokerError) -> Self { AppendOutcome(error: error) }
}

extension PartitionManager {
    /// Checks and appends each partition's batches, and answers when `acks` is met: acks 0 and 1 once written,
    /// acks=all once the group-commit fsync covers them or `timeoutMs` passes (REQUEST_TIMED_OUT; the records stay
    /// written, as in Kafka). The whole request costs one trip to the I/O pool, the fsync registrations included,
    /// whatever its number of partitions; the fsync wait is one delayed operation on `eventLoop`. An acks=all
    /// produce is not woken when its appends are done, only when its fsyncs are (or its timeout, counted from
    /// the request's start, passes): the pool thread that appended finishes the appends' part (issue 19).
    /// - Parameters:
    ///   - inputs: the partitions and their records.
    ///   - acks: the request's acks (0, 1 or -1); anything else is INVALID_REQUIRED_ACKS for every partition.
    ///   - timeoutMs: how long acks=all may wait for its fsync; 0 or less waits for as long as it takes.
    ///   - eventLoop: the requester's event loop, where the wait lives.
    ///   - queue: the connection's append order: the appends follow those queued before on it, in one pool trip
    ///     with them when they are still being worked through; nil appends in a pool trip of their own.
    ///   - checked: called once the partitions are checked and the appends queued (it lets the connection's next
    ///     Produce run its checks); on this task.
    ///   - written: called once every partition's appends are done, before the fsync wait (it lets the
    ///     connection's next request of another kind start); on any thread.
    /// - Returns: one outcome per input, in input order.
    func appendRecords(_ inputs: [ProduceInput], acks rawAcks: Int16, timeoutMs: Int32, eventLoop: any EventLoop,
                       queue: AppendQueue? = nil, checked: @Sendable () -> Void = {},
                       written: @escaping @Sendable () -> Void) async -> [AppendOutcome]
    {
        guard let acks = RequiredAcks(rawValue: rawAcks) else {
            checked()
            written()
            let error = BrokerError(code: .invalidRequiredAcks, message: "acks must be 0, 1 or -1 (all), not \(rawAcks)")
            return inputs.map { _ in .failed(error) }
        }
        let start = ContinuousClock.now
        defer { metrics.produceLatency.record(duration: ContinuousClock.now - start) }
        guard acks == .all else {
            let prepared = prepare(inputs, flushes: nil)
            guard !prepared.parts.isEmpty else {
                checked()
                written()
                return prepared.outcomes
            }
            let results = await withCheckedContinuation {
                (continuation: CheckedContinuation<[Result<AppendedBatches, any Error>], Never>) in
                append(prepared.parts, in: queue) { continuation.resume(returning: $0) }
                checked()
            }
            defer { written() }
            return finish(prepared, results, inputs)
        }
        let deadline = timeoutMs > 0 ? NIODeadline.now() + .milliseconds(Int64(timeoutMs)) : nil
        let flushes = FlushWaits(count: inputs.count, delayed: delayed)
        let prepared = prepare(inputs, flushes: flushes)
        let appended = AppendedOutcomes()
        // On the pool thread that appended: the outcomes are set before the fsyncs are expected, so a wait that
        // finds them all settled also finds the outcomes.
        let done: @Sendable ([AppendOutcome]) -> Void = { outcomes in
            appended.set(outcomes)
            written()
            flushes.expect(outcomes.indices.filter { outcomes[$0].error == nil }.count)
        }
        if prepared.parts.isEmpty {
            done(prepared.outcomes)
        } else {
            append(prepared.parts, in: queue) { [self] results in done(finish(prepared, results, inputs)) }
        }
        checked()
        _ = await delayed.wait(on: eventLoop, keys: [flushes.key], deadline: deadline) { flushes.allSettled }
        var outcomes = await appended.value
        for index in outcomes.indices where outcomes[index].error == nil {
            switch flushes.outcome(index) {
            case .success?: break
            case .failure(let error)?: outcomes[index] = .failed(BrokerError(wrapping: error))
            case nil:
                outcomes[index] = .failed(BrokerError(
                    code: .requestTimedOut,
                    message: "the records were written but not fsynced within the request's timeout "
                        + "(\(timeoutMs) ms)"))
            }
        }
        return outcomes
    }

    /// Appends in the connection's order when there is a queue, in a pool trip of their own otherwise.
    private func append(_ parts: [LogManager.AppendPart], in queue: AppendQueue?,
                        completion: @escaping @Sendable ([Result<AppendedBatches, any Error>]) -> Void)
    {
        if let queue {
            logManager.append(parts, in: queue, completion: completion)
        } else {
            logManager.append(parts, completion: completion)
        }
    }

    /// A produce's partitions checked and ready to append: the outcomes of those refused, and the parts to append
    /// with the input each comes from.
    private struct PreparedAppend: Sendable {
        var outcomes: [AppendOutcome]
        var parts: [LogManager.AppendPart] = []
        var partInputs: [Int] = []
    }

    /// Checks every partition's records; with `flushes` (acks=all), each part records its fsync outcome there, and
    /// the last one wakes the produce.
    private func prepare(_ inputs: [ProduceInput], flushes: FlushWaits?) -> PreparedAppend {
        var prepared = PreparedAppend(outcomes: [AppendOutcome](repeating: AppendOutcome(), count: inputs.count))
        prepared.parts.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            do {
                let (log, batches) = try checked(input)
                let whenFlushed = flushes.map { flushes in
                    { @Sendable (result: Result<Void, any Error>) in flushes.settle(index, result) }
                }
                prepared.parts.append(LogManager.AppendPart(batches: batches, log: log, whenFlushed: whenFlushed))
                prepared.partInputs.append(index)
            } catch {
                prepared.outcomes[index] = .failed(error)
            }
        }
        return prepared
    }

    /// The outcomes once the parts are appended: wakes the partitions' waiting fetches and counts the records (on
    /// any thread).
    private func finish(_ prepared: PreparedAppend, _ results: [Result<AppendedBatches, any Error>],
                        _ inputs: [ProduceInput]) -> [AppendOutcome]
    {
        var outcomes = prepared.outcomes
        for ((index, part), result) in zip(zip(prepared.partInputs, prepared.parts), results) {
            let partition = inputs[index].partition
            switch result {
            case .success(let appended):
                delayed.wake(.appended(partition))
                // A producer's retry of a batch already written is answered with the first write's offsets; it
                // adds nothing to the log, so it adds nothing to the rates.
                if !appended.last.isDuplicate {
                    metrics.topics.produced(
                        topic: partition.topic, records: part.batches.reduce(0) { $0 + Int($1.lastOffsetDelta) + 1 },
                        bytes: part.batches.reduce(0) { $0 + $1.sizeInBytes })
                }
                outcomes[index] = AppendOutcome(
                    baseOffset: appended.first.baseOffset, logAppendTime: appended.first.logAppendTime,
                    logStartOffset: appended.last.logStartOffset)
            case .failure(let error):
                outcomes[index] = .failed(BrokerError(wrapping: error))
            }
        }
        return outcomes
    }

    /// One partition's log and its batches, checked with the client rules, ready to append.
    private func checked(_ input: ProduceInput) throws(BrokerError) -> (PartitionLog, [RecordBatch]) {
        let log = try leaderLog(input.partition)
        try InternalTopicName.checkWritable(input.partition.topic)
        guard let records = input.records, records.readableBytes > 0 else {
            throw BrokerError(code: .invalidRecord, message: "the partition carries no record batch")
        }
        metrics.bytesIn.increment(by: records.readableBytes)
        return (log, try checkedBatches(records, for: log, partition: input.partition))
    }

    /// The batches of a partition's records, each checked with the client rules (Kafka's `LogValidator`) before the
    /// first is appended, so that a refused partition appends nothing and the client retries it whole. The log does
    /// not apply these rules: it also takes what recovery, compaction and transaction markers write. The log checks
    /// the CRC before writing, so one batch (what clients send) leaves the CRC to it; several need theirs here.
    /// A compacted topic's records must have keys; the policy is read per produce, so an altered policy applies to
    /// the next batch.
    private func checkedBatches(_ records: ByteBuffer, for log: PartitionLog, partition: TopicPartition)
        throws(BrokerError) -> [RecordBatch]
    {
        let batches: [RecordBatch]
        do {
            batches = try RecordBatch.split(records)
        } catch {
            throw BrokerError(wrapping: error)
        }
        let config = log.logConfig
        let requireKeys = config.cleanupPolicy.contains(.compact)
        for batch in batches {
            // A client's batch starts at offset 0 (the broker assigns offsets).
            guard batch.baseOffset == 0 else {
                throw BrokerError(code: .invalidRecord, message: "batch base offset \(batch.baseOffset) is not 0")
            }
            // Kafka's produce-side verification: a transactional batch belongs to a transaction the coordinator
            // has open with this partition, so a zombie's late batch cannot open one no marker will close.
            if batch.isTransactional, let refusal = ongoingTransactions.refusal(
                producerId: batch.producerId, epoch: batch.producerEpoch,
                partition: TransactionPartition(topic: partition.topic, partition: partition.partition))
            {
                throw refusal
            }
            do {
                try ProducedBatchValidator.validate(
                    batch, maxBytes: config.maxMessageBytes, maxDecompressedBytes: maximumDecompressedBatchBytes,
                    checksum: batches.count > 1, requireKeys: requireKeys)
            } catch {
                guard error.missingKeyRecordIndex != nil else { throw BrokerError(wrapping: error) }
                // Kafka's LogValidator words it so; clients and operators search for this sentence.
                throw BrokerError(
                    code: .invalidRecord,
                    message: "Compacted topic cannot accept message without key in topic partition \(partition).")
            }
        }
        return batches
    }
}

/// The fsync outcomes an acks=all produce waits for, one per partition it wrote, and the one wake-up of the produce
/// when the last of them arrives. Thread-safe: a lock guards them.
final class FlushWaits: Sendable {
    private struct State {
        var outcomes: [Result<Void, any Error>?]
        var settled = 0
        /// How many partitions were written (only those report a flush); nil until the appends are done.
        var expected: Int?
    }

    private let state: NIOLockedValueBox<State>
    private let delayed: DelayedOperations

    init(count: Int, delayed: DelayedOperations) {
        state = NIOLockedValueBox(State(outcomes: Array(repeating: nil, count: count)))
        self.delayed = delayed
    }

    /// What the produce's wait watches.
    var key: DelayedOperationKey { .flushed(ObjectIdentifier(self)) }

    /// Records the fsync outcome of partition `index` (from the flush scheduler, on a pool thread); the last
    /// expected one wakes the produce.
    func settle(_ index: Int, _ result: Result<Void, any Error>) {
        let complete = state.withLockedValue { state -> Bool in
            if state.outcomes[index] == nil { state.settled += 1 }
            state.outcomes[index] = result
            return state.settled == state.expected
        }
        if complete { delayed.wake(key) }
    }

    /// Says how many partitions' appends succeeded: only their fsyncs report, and are waited for. When their
    /// outcomes all came first (or there are none), this is what wakes the produce.
    func expect(_ count: Int) {
        let complete = state.withLockedValue { state -> Bool in
            state.expected = count
            return state.settled >= count
        }
        if complete { delayed.wake(key) }
    }

    /// Whether every written partition has its fsync outcome.
    var allSettled: Bool {
        state.withLockedValue { state in state.expected.map { state.settled >= $0 } ?? false }
    }

    func outcome(_ index: Int) -> Result<Void, any Error>? {
        state.withLockedValue { $0.outcomes[index] }
    }
}

/// The outcomes of an acks=all produce's appends, set once on the pool thread that appended, and awaited by the
/// produce after its fsync wait (at once, unless the wait ended first: timeout or a closed connection). Not an
/// `EventLoopPromise`: fulfilling one from the pool thread would queue a task on the produce's loop and wake it,
/// the very wake-up this saves.
final class AppendedOutcomes: Sendable {
    private struct State {
        var outcomes: [AppendOutcome]?
        var waiter: CheckedContinuation<[AppendOutcome], Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// Sets the outcomes (once) and resumes a waiter.
    func set(_ outcomes: [AppendOutcome]) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<[AppendOutcome], Never>? in
            state.outcomes = outcomes
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcomes)
    }

    /// The outcomes, once set.
    var value: [AppendOutcome] {
        get async {
            if let ready = state.withLockedValue({ $0.outcomes }) { return ready }
            return await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> [AppendOutcome]? in
                    if let outcomes = state.outcomes { return outcomes }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
