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
    /// Checks and appends each partition's batches (every partition at once), and answers when `acks` is met:
    /// acks 0 and 1 once written, acks=all once the group-commit fsync covers them or `timeoutMs` passes
    /// (REQUEST_TIMED_OUT; the records stay written, as in Kafka). Each partition costs one trip to the I/O pool,
    /// the fsync registration included; the fsync wait is a delayed operation on `eventLoop`.
    /// - Parameters:
    ///   - inputs: the partitions and their records.
    ///   - acks: the request's acks (0, 1 or -1); anything else is INVALID_REQUIRED_ACKS for every partition.
    ///   - timeoutMs: how long acks=all may wait for its fsync; 0 or less waits for as long as it takes.
    ///   - eventLoop: the requester's event loop, where the wait lives.
    ///   - written: called once every partition's appends are done, before the fsync wait (it lets the
    ///     connection's next request start its appends).
    /// - Returns: one outcome per input, in input order.
    func appendRecords(_ inputs: [ProduceInput], acks rawAcks: Int16, timeoutMs: Int32, eventLoop: any EventLoop,
                       written: @Sendable () -> Void) async -> [AppendOutcome]
    {
        guard let acks = RequiredAcks(rawValue: rawAcks) else {
            written()
            let error = BrokerError(code: .invalidRequiredAcks, message: "acks must be 0, 1 or -1 (all), not \(rawAcks)")
            return inputs.map { _ in .failed(error) }
        }
        let start = ContinuousClock.now
        let flushes = acks == .all ? FlushWaits(count: inputs.count) : nil
        var outcomes: [AppendOutcome] = await appendAll(inputs, flushes: flushes)
        written()
        if let flushes {
            let written = outcomes.indices.filter { outcomes[$0].error == nil }
            flushes.expect(written)
            let deadline = timeoutMs > 0 ? NIODeadline.now() + .milliseconds(Int64(timeoutMs)) : nil
            _ = await delayed.wait(
                on: eventLoop, keys: written.map { DelayedOperationKey.flushed(inputs[$0].partition) },
                deadline: deadline
            ) { flushes.allSettled }
            for index in written {
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
        }
        metrics.produceLatency.record(duration: ContinuousClock.now - start)
        return outcomes
    }

    /// Appends every partition's records at once; with `flushes` (acks=all), each partition's fsync outcome is
    /// recorded there and wakes the produce waiting on it.
    private func appendAll(_ inputs: [ProduceInput], flushes: FlushWaits?) async -> [AppendOutcome] {
        await withTaskGroup(of: (Int, AppendOutcome).self) { group -> [AppendOutcome] in
            for (index, input) in inputs.enumerated() {
                let whenFlushed = flushes.map { flushReport(index, input.partition, into: $0) }
                group.addTask {
                    (index, await self.append(input, whenFlushed: whenFlushed))
                }
            }
            var outcomes = [AppendOutcome](repeating: AppendOutcome(), count: inputs.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

    private func flushReport(_ index: Int, _ partition: TopicPartition, into flushes: FlushWaits)
        -> @Sendable (Result<Void, any Error>) -> Void
    {
        { [delayed] result in
            flushes.settle(index, result)
            delayed.wake(.flushed(partition))
        }
    }

    /// Checks one partition's batches with the client rules, then appends them in one trip to the I/O pool.
    private func append(_ input: ProduceInput, whenFlushed: (@Sendable (Result<Void, any Error>) -> Void)?) async
        -> AppendOutcome
    {
        let log: PartitionLog
        do {
            log = try leaderLog(input.partition)
            try InternalTopicName.checkWritable(input.partition.topic)
        } catch {
            return .failed(error)
        }
        guard let records = input.records, records.readableBytes > 0 else {
            return .failed(BrokerError(code: .invalidRecord, message: "the partition carries no record batch"))
        }
        metrics.bytesIn.increment(by: records.readableBytes)
        let batches: [RecordBatch]
        do {
            batches = try checkedBatches(records, for: log, partition: input.partition)
        } catch {
            return .failed(error)
        }
        do {
            let appended = try await logManager.append(batches, to: log, whenFlushed: whenFlushed)
            delayed.wake(.appended(input.partition))
            // A producer's retry of a batch already written is answered with the first write's offsets; it
            // adds nothing to the log, so it adds nothing to the rates.
            if !appended.last.isDuplicate {
                metrics.topics.produced(
                    topic: input.partition.topic, records: batches.reduce(0) { $0 + Int($1.lastOffsetDelta) + 1 },
                    bytes: batches.reduce(0) { $0 + $1.sizeInBytes })
            }
            return AppendOutcome(
                baseOffset: appended.first.baseOffset, logAppendTime: appended.first.logAppendTime,
                logStartOffset: appended.last.logStartOffset)
        } catch {
            return .failed(BrokerError(wrapping: error))
        }
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

/// The fsync outcomes an acks=all produce waits for, one per partition it wrote. Thread-safe: a lock guards them.
final class FlushWaits: Sendable {
    private struct State {
        var outcomes: [Result<Void, any Error>?]
        var expected: [Int]?
    }

    private let state: NIOLockedValueBox<State>

    init(count: Int) {
        state = NIOLockedValueBox(State(outcomes: Array(repeating: nil, count: count)))
    }

    /// Records the fsync outcome of partition `index` (from the flush scheduler, on a pool thread).
    func settle(_ index: Int, _ result: Result<Void, any Error>) {
        state.withLockedValue { $0.outcomes[index] = result }
    }

    /// Names the partitions whose appends succeeded: only their fsyncs are waited for.
    func expect(_ indices: [Int]) {
        state.withLockedValue { $0.expected = indices }
    }

    /// Whether every expected partition has its fsync outcome.
    var allSettled: Bool {
        state.withLockedValue { state in
            (state.expected ?? []).allSatisfy { state.outcomes[$0] != nil }
        }
    }

    func outcome(_ index: Int) -> Result<Void, any Error>? {
        state.withLockedValue { $0.outcomes[index] }
    }
}
