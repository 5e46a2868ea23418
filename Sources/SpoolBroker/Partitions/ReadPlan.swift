import NIOCore
import SpoolLog
import SpoolProtocol

/// What a read asks of each partition, in order: Fetch builds one from its request, and ShareFetch will build one
/// from the records its member may acquire. The plan decides nothing about waiting; `PartitionManager.fetch` does.
struct ReadPlan: Sendable {
    /// One partition to read.
    struct Partition: Sendable {
        let partition: TopicPartition
        /// The first offset wanted.
        let fetchOffset: Int64
        /// The most bytes from this partition (Fetch's partition_max_bytes).
        let maxBytes: Int
        /// The leader epoch the client believes current; -1 skips the check.
        var currentLeaderEpoch: Int32 = -1
        /// read_committed: read only below the last stable offset, and list the aborted transactions there.
        var readCommitted = false
    }

    var partitions: [Partition]
    /// The most bytes over every partition (Fetch's max_bytes); the first partition with data returns at least one
    /// batch even when it is larger, so that a consumer always makes progress.
    var maxBytes: Int

    /// What the plan read of one partition: its state and a slice of whole batches, or an error.
    struct PartitionRead: Sendable {
        var error: BrokerError?
        /// The partition's offsets when it was read (nil when it does not exist).
        var state: PartitionState?
        /// Whole batches as a slice of one segment file, to be sent with sendfile; nil at the high watermark.
        var slice: FileSlice?
        /// For read_committed, the aborted transactions the slice may hold records of.
        var abortedTransactions: [AbortedTransaction] = []
    }

    /// What one pass of the plan read.
    struct Result: Sendable {
        /// One per planned partition, in plan order.
        var reads: [PartitionRead]
        /// Bytes of record batches returned, over every partition.
        var bytes: Int
    }
}

extension PartitionManager {
    /// Reads the plan once, on the I/O pool in one trip: whole batches from each partition, at least one batch for
    /// the first partition with data, then as much as the plan's and each partition's byte limits allow.
    /// - Throws: when the I/O pool has shut down; a partition's own failure is its `PartitionRead.error`.
    func read(_ plan: ReadPlan) async throws -> ReadPlan.Result {
        let logs = plan.partitions.map { planned -> Swift.Result<PartitionLog, BrokerError> in
            Swift.Result { () throws(BrokerError) in
                try leaderLog(planned.partition, currentLeaderEpoch: planned.currentLeaderEpoch)
            }
        }
        if let inMemory = Self.readInMemory(plan, logs) {
            metrics.readsFromMemory.increment()
            return inMemory
        }
        metrics.readsFromPool.increment()
        return try await logManager.onIOThread {
            var total = 0
            var reads: [ReadPlan.PartitionRead] = []
            reads.reserveCapacity(plan.partitions.count)
            for (planned, found) in zip(plan.partitions, logs) {
                guard case .success(let log) = found else {
                    if case .failure(let error) = found { reads.append(.init(error: error)) }
                    continue
                }
                let limit = min(planned.maxBytes, plan.maxBytes - total)
                reads.append(Self.read(planned, from: log, limit: limit, first: total == 0, total: &total))
            }
            return ReadPlan.Result(reads: reads, bytes: total)
        }
    }

    /// The read when it needs no I/O: every planned partition is asked for its end (the log end offset;
    /// read_committed: the last stable offset), a caught-up consumer's every long poll, or (read_uncommitted) for
    /// batches among its active segment's most recent (`PartitionLog.readRecent`), a tailing consumer's read after
    /// an append. Answered on the caller's thread, without a trip to the I/O pool (issue 19). Nil when any
    /// partition needs the pool.
    private static func readInMemory(_ plan: ReadPlan, _ logs: [Swift.Result<PartitionLog, BrokerError>])
        -> ReadPlan.Result?
    {
        var total = 0
        var reads: [ReadPlan.PartitionRead] = []
        reads.reserveCapacity(logs.count)
        for (planned, found) in zip(plan.partitions, logs) {
            switch found {
            case .failure(let error):
                reads.append(.init(error: error))
            case .success(let log):
                let limit = min(planned.maxBytes, plan.maxBytes - total)
                let first = total == 0
                guard let read = log.readRecent(
                    from: planned.fetchOffset, maxBytes: first ? max(limit, 1) : limit,
                    committedOnly: planned.readCommitted)
                else { return nil }
                // read_committed is answered here only at its end: no slice, no aborted transactions to list.
                reads.append(Self.partitionRead(planned, read, of: log, limit: limit, first: first, total: &total))
            }
        }
        return ReadPlan.Result(reads: reads, bytes: total)
    }

    /// One partition's part of a read, on a pool thread.
    private static func read(_ planned: ReadPlan.Partition, from log: PartitionLog, limit: Int, first: Bool,
                             total: inout Int) -> ReadPlan.PartitionRead
    {
        do {
            let read = try log.read(
                from: planned.fetchOffset, maxBytes: first ? max(limit, 1) : limit,
                committedOnly: planned.readCommitted)
            var result = partitionRead(planned, read, of: log, limit: limit, first: first, total: &total)
            // The slice ends at or below the LSO: listing up to the LSO covers it (a consumer ignores entries past
            // what it received).
            if planned.readCommitted, result.slice != nil {
                result.abortedTransactions = try log.abortedTransactions(
                    from: planned.fetchOffset, upTo: read.lastStableOffset)
            }
            return result
        } catch {
            var result = ReadPlan.PartitionRead()
            result.error = BrokerError(wrapping: error)
            result.state = state(of: log)
            return result
        }
    }

    /// A partition's part of a read from what its log answered: the state, and the slice when it is the first
    /// partition with data or fits in `limit` (counted into `total`).
    private static func partitionRead(_ planned: ReadPlan.Partition, _ read: LogReadInfo, of log: PartitionLog,
                                      limit: Int, first: Bool, total: inout Int) -> ReadPlan.PartitionRead
    {
        var result = ReadPlan.PartitionRead()
        result.state = PartitionState(
            leaderEpoch: log.leaderEpoch, logStartOffset: read.logStartOffset, highWatermark: read.logEndOffset,
            logEndOffset: read.logEndOffset, lastStableOffset: read.lastStableOffset)
        if let slice = read.slice, first || slice.length <= limit {
            result.slice = slice
            total += slice.length
        }
        return result
    }

    /// Fetch: reads the plan, and while fewer than `minBytes` are ready waits (a delayed operation on
    /// `eventLoop`, woken by appends to a planned partition) and reads again, until `maxWaitMs` (cut to
    /// `fetch.max.wait.ms`) has passed.
    /// - Throws: `CancellationError` when the requester's connection closed during the wait; pool shutdown.
    func fetch(_ plan: ReadPlan, minBytes: Int, maxWaitMs: Int32, eventLoop: any EventLoop) async throws
        -> ReadPlan.Result
    {
        let start = ContinuousClock.now
        let waitMs = Int64(min(max(maxWaitMs, 0), fetchMaxWaitMs))
        let deadline = NIODeadline.now() + .milliseconds(waitMs)
        let keys = plan.partitions.map { DelayedOperationKey.appended($0.partition) }
        var result = try await read(plan)
        while result.bytes < minBytes && !keys.isEmpty && NIODeadline.now() < deadline {
            // What each partition's log end offset (read_committed: last stable offset) was at the read: a move since
            // then is worth another read; an append inside an open transaction is not, for read_committed.
            let observed = zip(plan.partitions, result.reads).compactMap { planned, read in
                read.state.map { state in
                    let committed = planned.readCommitted
                    return (planned.partition, committed, committed ? state.lastStableOffset : state.logEndOffset)
                }
            }
            let outcome = await delayed.wait(on: eventLoop, keys: keys, deadline: deadline) { [self] in
                observed.contains { partition, committed, end in
                    guard let offsets = log(partition)?.offsets else { return true }
                    return (committed ? offsets.lastStableOffset : offsets.logEndOffset) != end
                }
            }
            switch outcome {
            case .cancelled: throw CancellationError()
            case .expired: break
            case .completed: result = try await read(plan)
            }
            if outcome == .expired { break }
        }
        metrics.bytesOut.increment(by: result.bytes)
        for (planned, read) in zip(plan.partitions, result.reads) {
            if let slice = read.slice, slice.length > 0 {
                metrics.topics.fetched(topic: planned.partition.topic, bytes: slice.length)
            }
        }
        metrics.fetchLatency.record(duration: ContinuousClock.now - start)
        return result
    }
}
