import Logging

extension PartitionLog {
    /// fsyncs the log data up to the current log end offset. Appends continue meanwhile; they are covered by
    /// the next call. After a failed fsync the log goes offline: the kernel may have dropped the dirty pages,
    /// so nothing more is acknowledged until a restart has re-read the log.
    /// - Returns: the offset below which everything is now on the device.
    /// - Throws: `LogError.storage` from fdatasync, `.offline` when an earlier one failed.
    @discardableResult
    public func flush() throws(LogError) -> Int64 {
        guard let plan = try prepareFlush(files: true) else { return flushedOffset }
        let start = ContinuousClock.now
        do {
            for file in plan.files { try file.sync() }
        } catch {
            failFlush(error)
            throw error
        }
        fsyncTimer.record(duration: ContinuousClock.now - start)
        return completeFlush(plan)
    }

    /// What one flush makes durable: the log end offset when it started, and (when asked for) the files holding
    /// the data between the flushed offset and it.
    struct FlushPlan {
        let target: Int64
        let files: [LogFile]
    }

    /// Starts a flush: the log end offset to make durable and, with `files`, the segment files to fdatasync for
    /// it (a flush by `syncfs` needs none). Nil when everything written is durable already.
    /// - Throws: `.offline` when an earlier fsync failed, `.storage` when a released segment cannot be reopened.
    func prepareFlush(files: Bool) throws(LogError) -> FlushPlan? {
        try locked { () throws(LogError) -> FlushPlan? in
            if let offlineReason { throw .offline(offlineReason) }
            let target = logEndOffsetValue
            guard flushedOffsetValue < target else { return nil }
            guard files else { return FlushPlan(target: target, files: []) }
            return FlushPlan(target: target, files: try segments[segmentIndex(for: flushedOffsetValue)...].map {
                (segment) throws(LogError) in try segment.fileForSync()
            })
        }
    }

    /// Ends a flush whose data is on the device: publishes the new flushed offset and returns it.
    func completeFlush(_ plan: FlushPlan) -> Int64 {
        lock.withLock {
            published.update { $0.flushedOffset = max($0.flushedOffset, plan.target) }.flushedOffset
        }
    }

    /// Ends a flush that failed: the log goes offline (the kernel may have dropped the dirty pages).
    func failFlush(_ error: LogError) {
        lock.withLock { offlineReason = offlineReason ?? error.description }
        logger.error("fsync failed; the log is offline until restart", metadata: ["error": "\(error)"])
    }

    /// Flushes data and indexes so that a restart after a crash can trust everything below the returned
    /// recovery point without re-reading it (the background flush calls this before writing the checkpoint).
    /// - Returns: the new recovery point.
    /// - Throws: `LogError.storage` when a sync fails.
    @discardableResult
    public func flushForCheckpoint() throws(LogError) -> Int64 {
        let target = try flush()
        // Index fsyncs run outside the lock, as a roll's do: reads and appends go on meanwhile. Every index entry
        // for an offset below `target` exists by now, so the syncs prepared here cover all of them.
        let pending = try locked { () throws(LogError) -> [(LogSegment, SparseIndexSync?, SparseIndexSync?)] in
            try segments[segmentIndex(for: recoveryPointValue)...].map { (segment) throws(LogError) in
                (segment, try segment.offsetIndex.prepareSync(), try segment.timeIndex.prepareSync())
            }
        }
        // Aborted-transaction entries below the recovery point are not re-read by recovery: sync them first.
        let transactionSyncs = try locked { () throws(LogError) -> [(LogSegment, SparseIndexSync)] in
            var syncs: [(LogSegment, SparseIndexSync)] = []
            for segment in segments[segmentIndex(for: recoveryPointValue)...] {
                if let sync = try segment.transactionIndex.prepareSync() { syncs.append((segment, sync)) }
            }
            return syncs
        }
        for (_, sync) in transactionSyncs { try sync.file.sync() }
        for (_, offsetSync, timeSync) in pending {
            try offsetSync?.file.sync()
            try timeSync?.file.sync()
        }
        return lock.withLock {
            for (segment, offsetSync, timeSync) in pending {
                // Inactive segments give their index descriptors back.
                let close = segment !== segments.last
                segment.offsetIndex.completeSync(offsetSync, close: close)
                segment.timeIndex.completeSync(timeSync, close: close)
            }
            for (segment, sync) in transactionSyncs {
                segment.transactionIndex.completeSync(sync, close: segment !== segments.last)
            }
            // Inactive segments opened by reads since the last pass give their descriptors back.
            for segment in segments.dropLast() { segment.releaseFile() }
            return published.update { offsets in
                offsets.recoveryPoint = max(offsets.recoveryPoint, min(target, offsets.flushedOffset))
            }.recoveryPoint
        }
    }

    /// Ends a segment's turn as the active one (see `LogSegment.onBecomeInactive`), with a warning when its
    /// final time index entry could not be written. Called with the lock held.
    func deactivate(_ segment: LogSegment) throws(LogError) {
        if let skipped = try segment.onBecomeInactive() {
            logger.warning(
                "final time index entry not written; the segment's indexes are rebuilt from the log when next opened",
                metadata: ["segment": "\(segment.logPath)", "error": "\(skipped)"])
        }
    }

    /// Reserves disk ahead of the active segment's data, growing the reservation while the partition keeps
    /// using it up (64 KiB first, doubling up to 16 MiB), so that a quiet partition ties up little disk and a
    /// streaming one appends into allocated blocks. Called with the lock held.
    func reserveDisk(in segment: LogSegment, for bytes: Int) throws(LogError) {
        guard try segment.needsReservation(for: bytes) else { return }
        // A granted reservation used up: the partition streams.
        if segment.grantedBytes > 0 {
            reserveChunkBytes = min(reserveChunkBytes * 2, DiskReservations.maximumChunkBytes)
        }
        try segment.reserve(bytes, chunk: reserveChunkBytes, from: reservations)
    }

    /// Closes the log after a last flush: ends the active time index with its largest timestamp and syncs
    /// data and indexes, so that the next start can skip recovery.
    /// - Throws: `LogError.storage` when a sync fails.
    public func close() throws(LogError) {
        // The append lock keeps a roll from running its I/O while the log ends.
        appendLock.lock()
        defer { appendLock.unlock() }
        try locked { () throws(LogError) in
            if let active = segments.last { try deactivate(active) }
            // Entries before the snapshot written next are never re-read by recovery from it.
            for segment in segments { try segment.transactionIndex.sync(close: segment !== segments.last) }
            // The snapshot only shortens the next start's replay of idempotent batches: a full disk skips it, and
            // an offline log writes none, so that the next start re-reads what it may have left unindexed.
            do {
                if offlineReason == nil { try writeProducerSnapshot() }
            } catch {
                logger.warning(
                    "producer snapshot not written at close; the next start replays the log instead",
                    metadata: ["error": "\(error)"])
            }
        }
        try flushForCheckpoint()
        try locked { () throws(LogError) in
            for segment in segments { try segment.syncIndexes(close: true) }
            // Appends that reach a closed log are refused rather than written after the final sync.
            offlineReason = offlineReason ?? "the log was closed (broker shutting down)"
            recent.clear()
        }
    }

    /// Deletes the oldest segments that retention no longer keeps: those whose newest record is older than
    /// retention.ms, and those beyond retention.bytes, when the cleanup policy includes `delete`. The active segment
    /// is never deleted. Files are
    /// renamed to `.deleted` under the lock and unlinked after it.
    /// - Parameter now: the wall clock in milliseconds; nil for the system clock.
    /// - Returns: how many segments were deleted.
    /// - Throws: `LogError.storage` when a rename or unlink fails.
    @discardableResult
    public func deleteExpiredSegments(now: Int64? = nil) throws(LogError) -> Int {
        let now = now ?? FileSystem.nowMs()
        maintenanceLock.lock()
        defer { maintenanceLock.unlock() }
        lock.lock()
        var renamed: [String] = []
        let count: Int
        do {
            count = try expiredSegmentCount(now: now)
            for segment in segments.prefix(count) { renamed += try segment.renameToDeleted() }
        } catch {
            lock.unlock()
            throw error
        }
        segments.removeFirst(count)
        let newStart = published.update { $0.advanceLogStart(to: segments[0].baseOffset) }.logStartOffset
        lock.unlock()
        guard count > 0 else { return 0 }
        try FileSystem.syncDirectory(directory)
        for path in renamed { try FileSystem.remove(path) }
        logger.info("retention deleted segments", metadata: ["count": "\(count)", "logStartOffset": "\(newStart)"])
        return count
    }

    /// How many of the oldest segments retention lets go. Called with the lock held.
    private func expiredSegmentCount(now: Int64) throws(LogError) -> Int {
        // A compact-only log keeps its segments: the cleaner shrinks them instead (Kafka's cleanup.policy=compact).
        guard config.cleanupPolicy.contains(.delete) else { return 0 }
        let candidates = segments.count - 1
        var count = 0
        if config.retentionMs >= 0 {
            while count < candidates {
                var newest = try segments[count].largestTimestamp()
                if newest < 0 { newest = FileSystem.modifiedMs(segments[count].logPath) ?? now }
                guard now - newest > config.retentionMs else { break }
                count += 1
            }
        }
        if config.retentionBytes >= 0 {
            var remaining = 0
            for segment in segments { remaining += try segment.size() }
            for segment in segments.prefix(count) { remaining -= try segment.size() }
            while count < candidates {
                let size = try segments[count].size()
                guard Int64(remaining - size) >= config.retentionBytes else { break }
                remaining -= size
                count += 1
            }
        }
        return count
    }
}
