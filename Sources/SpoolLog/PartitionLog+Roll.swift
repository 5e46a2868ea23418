import SpoolRecords

/// Appends and segment rolls: a roll is decided under the partition lock, its I/O (the producer snapshot, the old
/// segment's index fsyncs, the new segment's files and the directory fsync) runs outside it with only the append
/// lock held, and it is committed under the partition lock again. Reads, flushes and readers of the offsets go on
/// meanwhile; the next append waits, so one partition's appends stay in order.
extension PartitionLog {
    /// What an append did: answered without writing (an idempotent retry), or wrote a batch.
    enum Placement {
        case existing(AppendInfo)
        case written(BatchInfo, LogOffsets)
    }

    /// A roll decided under the lock: the segment it retires, and the I/O it still needs.
    struct SegmentRoll {
        let old: LogSegment
        let oldSize: Int
        let newBaseOffset: Int64
        let indexIntervalBytes: Int
        let snapshot: ProducerSnapshot
        let offsetIndexSync: SparseIndexSync?
        let timeIndexSync: SparseIndexSync?
        let transactionIndexSync: SparseIndexSync?
        let ioHook: (@Sendable () -> Void)?
    }

    /// Runs `body` with the append lock held (never take it while holding `lock`).
    func serialised<T>(_ body: () throws(LogError) -> T) throws(LogError) -> T {
        appendLock.lock()
        defer { appendLock.unlock() }
        return try body()
    }

    /// Writes `batch` at the log end offset, rolling a new segment first when one is due, and publishes the new
    /// log end offset. Called with the append lock held and `lock` not held.
    /// - Parameters:
    ///   - batch: the batch, already checked.
    ///   - now: the wall clock in milliseconds.
    ///   - admit: run under the lock before anything is written; its answer, when it has one, is returned
    ///     instead of writing (an idempotent producer's retry). Throws to refuse the batch.
    func place(_ batch: RecordBatch, now: Int64, admit: () throws(LogError) -> AppendInfo?) throws(LogError)
        -> Placement
    {
        let decided = try locked { () throws(LogError) -> (answer: AppendInfo?, roll: SegmentRoll?) in
            if let offlineReason { throw .offline(offlineReason) }
            if let answer = try admit() { return (answer, nil) }
            return (nil, try rollIfDue(for: batch, now: now))
        }
        if let answer = decided.answer { return .existing(answer) }
        let rolled = try decided.roll.map { (roll) throws(LogError) in try performRoll(roll) }
        var staleSnapshots: [String] = []
        defer { removeSnapshots(staleSnapshots) }
        return try locked { () throws(LogError) -> Placement in
            if let roll = decided.roll, let rolled { staleSnapshots = commitRoll(roll, rolled) }
            if let offlineReason { throw .offline(offlineReason) }
            guard let segment = segments.last else { preconditionFailure("a partition log always has a segment") }
            try reserveDisk(in: segment, for: batch.sizeInBytes)
            let written = try segment.append(batch, baseOffset: logEndOffsetValue, leaderEpoch: leaderEpoch, now: now)
            // A transaction opens in the same step that publishes its first batch, so that no read_committed
            // reader ever sees the new log end offset without the transaction holding the last stable offset back.
            if batch.producerId >= 0, batch.isTransactional, !batch.isControl {
                producers.openTransaction(producerId: batch.producerId, at: written.baseOffset)
            }
            let unstable = producers.firstUnstableOffset
            let offsets = published.update { offsets in
                offsets.logEndOffset = written.nextOffset
                offsets.firstUnstableOffset = unstable
            }
            // After the offsets: readers take the offsets first and clamp the recent batches to them.
            if let file = segment.file {
                recent.appended(
                    to: file, baseOffset: written.baseOffset, nextOffset: written.nextOffset,
                    position: written.position, size: written.size)
            }
            return .written(written, offsets)
        }
    }

    /// The roll `batch` calls for, when size, age or relative offsets say the active segment is done, with the
    /// old segment already ended (final time index entry, reservation trimmed). Called with the lock held.
    private func rollIfDue(for batch: RecordBatch, now: Int64) throws(LogError) -> SegmentRoll? {
        guard let active = segments.last else { preconditionFailure("a partition log always has an active segment") }
        let size = try active.size()
        guard size > 0 else { return nil }
        let tooBig = size + batch.sizeInBytes > config.segmentBytes
        let tooOld = now - (active.rollingBasedTimestamp ?? now) > config.effectiveSegmentMs
        // Relative offsets go into the indexes' 32-bit fields: a segment never spans more than Int32.max offsets.
        let offsetsOverflow = logEndOffsetValue + Int64(batch.lastOffsetDelta) - active.baseOffset > Int64(Int32.max)
        guard tooBig || tooOld || offsetsOverflow else { return nil }
        try deactivate(active)
        return SegmentRoll(
            old: active, oldSize: size, newBaseOffset: logEndOffsetValue,
            indexIntervalBytes: config.indexIntervalBytes, snapshot: producerSnapshot(),
            offsetIndexSync: try active.offsetIndex.prepareSync(), timeIndexSync: try active.timeIndex.prepareSync(),
            transactionIndexSync: try active.transactionIndex.prepareSync(), ioHook: rollIOHook)
    }

    /// A roll's I/O, in the order a crash needs: the producer snapshot, the old segment's indexes, then the new
    /// segment's files made durable by a directory fsync. Nothing of it is visible until `commitRoll`; after a
    /// failure the old segment stays active and the next append tries again. Called without the lock.
    private func performRoll(_ roll: SegmentRoll) throws(LogError) -> LogSegment {
        // The aborted transactions before the snapshot: recovery starting from it never re-reads their markers.
        try roll.transactionIndexSync?.file.sync()
        try writeSnapshotFile(roll.snapshot)
        try roll.offsetIndexSync?.file.sync()
        try roll.timeIndexSync?.file.sync()
        roll.ioHook?()
        let segment = try LogSegment.create(
            directory: directory, baseOffset: roll.newBaseOffset, indexIntervalBytes: roll.indexIntervalBytes)
        try FileSystem.syncDirectory(directory)
        return segment
    }

    /// Makes a rolled segment the active one. Called with the lock held.
    /// - Returns: producer snapshots no longer kept, to remove after the lock is released.
    private func commitRoll(_ roll: SegmentRoll, _ segment: LogSegment) -> [String] {
        roll.old.offsetIndex.completeSync(roll.offsetIndexSync, close: true)
        roll.old.timeIndex.completeSync(roll.timeIndexSync, close: true)
        roll.old.transactionIndex.completeSync(roll.transactionIndexSync, close: true)
        roll.old.releaseFile()
        recent.clear()
        segments.append(segment)
        logger.debug("rolled segment", metadata: ["baseOffset": "\(roll.newBaseOffset)", "size": "\(roll.oldSize)"])
        return recordSnapshot(roll.snapshot)
    }
}
