import NIOCore

/// The steps of a compaction's segment swap, in order; a crash after any of them leaves the log as before (up to
/// `.cleanedWritten`) or as after (from `.logSwapped` on), as `SegmentSwapRecovery` completes it at the next start.
public enum SegmentSwapStep: String, Sendable, CaseIterable {
    /// The cleaned files (`B.log.cleaned` and its indexes) are written and fsynced.
    case cleanedWritten
    /// The cleaned indexes are renamed `.swap`.
    case indexesSwapped
    /// `B.log.cleaned` is renamed `B.log.swap`: the commit point.
    case logSwapped
    /// The directory is fsynced, so the commit is durable.
    case swapDurable
    /// The source segments after the first are renamed `.deleted`.
    case sourcesDeleted
    /// The directory is fsynced, so no source can reappear.
    case sourcesDurable
    /// The `.swap` files are renamed over the first source's, and the log serves the cleaned segment.
    case replaced
}

/// What the cleaner reads of a log, taken at one moment under the lock.
struct CleaningView {
    /// One inactive segment: its object (identity, to check at the swap), range and size.
    struct Segment {
        let segment: LogSegment
        let baseOffset: Int64
        /// The next segment's base offset: this segment's records lie in `baseOffset..<nextOffset`.
        let nextOffset: Int64
        let size: Int
        let logPath: String
        /// Its largest record timestamp, -1 when it has none.
        let largestTimestamp: Int64
        /// About when its first record was written: the wall clock of its first append, or after a restart its first
        /// batch's timestamp; its largest timestamp when neither is known yet.
        let firstTimestamp: Int64
    }

    let config: LogConfig
    let logStartOffset: Int64
    /// Appends can be unsynced above this: the cleaner never maps or drops records for keys written above it, so a
    /// crash cannot leave a key's older value removed and its newer one lost.
    let flushedOffset: Int64
    /// Records at or above the last stable offset may still be aborted or committed: the cleaner leaves them be.
    let lastStableOffset: Int64
    let activeBaseOffset: Int64
    /// The inactive segments, oldest first.
    let segments: [Segment]
}

extension PartitionLog {
    /// The log as the cleaner sees it, or nil when the log is offline.
    func cleaningView() throws(LogError) -> CleaningView? {
        try locked { () throws(LogError) -> CleaningView? in
            guard offlineReason == nil, let active = segments.last else { return nil }
            var views: [CleaningView.Segment] = []
            for (index, segment) in segments.dropLast().enumerated() {
                let largest = try segment.largestTimestamp()
                views.append(CleaningView.Segment(
                    segment: segment, baseOffset: segment.baseOffset, nextOffset: segments[index + 1].baseOffset,
                    size: try segment.size(), logPath: segment.logPath, largestTimestamp: largest,
                    firstTimestamp: segment.rollingBasedTimestamp ?? largest))
            }
            return CleaningView(
                config: config, logStartOffset: logStartOffsetValue, flushedOffset: flushedOffsetValue,
                lastStableOffset: published.current.lastStableOffset, activeBaseOffset: active.baseOffset,
                segments: views)
        }
    }

    /// Whether `segment` is still one of the log's.
    func holds(_ segment: LogSegment) -> Bool {
        lock.withLock { segments.contains { $0 === segment } }
    }

    /// Each idempotent producer's last batch's last offset: compaction keeps that batch (empty if need be), so that
    /// a restart rebuilds the producer's last sequence and epoch from the log.
    func producerLastOffsets() -> [Int64: Int64] {
        appendLock.withLock { producers.entries.compactMapValues { $0.batches.last?.lastOffset } }
    }

    /// Replaces `sources` (consecutive inactive segments, `sources[0]` at base offset `B`) by the cleaned segment
    /// written as `B.log.cleaned` with its indexes, through renames that a crash at any point leaves undone or
    /// completable (see `SegmentSwapStep`). Reads go on meanwhile from the sources' open descriptors.
    /// - Returns: false, with nothing changed, when the sources are no longer the log's (retention or DeleteRecords
    ///   removed some since the round began, or the log went offline); the caller discards the cleaned files.
    /// - Throws: `LogError.storage` when a rename or fsync fails; after the commit point the log then goes offline,
    ///   and the next start completes the swap.
    func replaceSegments(_ sources: [LogSegment]) throws(LogError) -> Bool {
        guard let first = sources.first else { return false }
        maintenanceLock.lock()
        defer { maintenanceLock.unlock() }
        let ready = try locked { () throws(LogError) -> Bool in
            guard offlineReason == nil, let start = segments.firstIndex(where: { $0 === first }),
                  start + sources.count < segments.count,
                  zip(segments[start...], sources).allSatisfy({ $0 === $1 })
            else { return false }
            for segment in sources {
                try segment.open()
                segment.pinned = true
            }
            return true
        }
        guard ready else { return false }
        // Sources the swap replaced keep no descriptor (a round's view holds them until it ends, over many groups);
        // sources still in the log reopen theirs on the next read, as idle segments do.
        defer {
            lock.withLock {
                for segment in sources {
                    segment.pinned = false
                    segment.releaseFile()
                }
            }
        }
        try mergeAbortedTransactions(of: sources)
        let stem = directory + "/" + LogFileName.prefix(first.baseOffset)
        let hook = swapStepHook
        func step(_ done: SegmentSwapStep) throws(LogError) { try hook?(done) }
        try step(.cleanedWritten)
        for suffix in [LogFileName.indexSuffix, LogFileName.timeIndexSuffix] {
            try FileSystem.rename(stem + suffix + LogFileName.cleanedSuffix, stem + suffix + LogFileName.swapSuffix)
        }
        try step(.indexesSwapped)
        try FileSystem.rename(
            stem + LogFileName.logSuffix + LogFileName.cleanedSuffix, stem + LogFileName.logSuffix + LogFileName.swapSuffix)
        do {
            try step(.logSwapped)
            try FileSystem.syncDirectory(directory)
            try step(.swapDurable)
            var deleted: [String] = []
            for segment in sources.dropFirst() { deleted += try segment.renameToDeleted() }
            try step(.sourcesDeleted)
            try FileSystem.syncDirectory(directory)
            try step(.sourcesDurable)
            try locked { () throws(LogError) in
                for suffix in [LogFileName.indexSuffix, LogFileName.timeIndexSuffix, LogFileName.logSuffix] {
                    try FileSystem.rename(stem + suffix + LogFileName.swapSuffix, stem + suffix)
                }
                guard let start = segments.firstIndex(where: { $0 === first }) else {
                    preconditionFailure("the maintenance lock keeps inactive segments in place")
                }
                segments.replaceSubrange(
                    start..<start + sources.count,
                    with: [LogSegment(
                        directory: directory, baseOffset: first.baseOffset,
                        indexIntervalBytes: config.indexIntervalBytes)])
            }
            try step(.replaced)
            try FileSystem.syncDirectory(directory)
            for path in deleted { try FileSystem.remove(path) }
            return true
        } catch {
            // Committed on disk but not in memory: serve nothing more until a restart completes the swap. A log
            // already offline (its topic deleted under the swap) needs no second word.
            let wasOffline = lock.withLock { () -> Bool in
                defer { offlineReason = offlineReason ?? "a compaction swap failed after its commit: \(error)" }
                return offlineReason != nil
            }
            if wasOffline { throw error }
            logger.error(
                "compaction swap failed after its commit; the log is offline until a restart completes it",
                metadata: ["segment": "\(first.logPath)", "error": "\(error)"])
            throw error
        }
    }

    /// Gives the first source the `.txnindex` entries of all sources, durably, before the swap: the cleaned segment
    /// takes the first source's name and keeps every marker (offsets do not change), so it answers for all of them.
    /// A crash before the commit leaves the first source with entries that also lie in later sources, which readers
    /// tolerate (an aborted transaction listed twice); recovery rewrites the entries it re-reads.
    private func mergeAbortedTransactions(of sources: [LogSegment]) throws(LogError) {
        guard let first = sources.first, sources.count > 1 else { return }
        try locked { () throws(LogError) in
            var merged: [AbortedTransaction] = []
            for segment in sources { merged += try segment.abortedTransactions() }
            guard merged.count > (try first.abortedTransactions()).count else { return }
            try first.replaceAborted(from: Int64.min, with: merged)
            try first.transactionIndex.sync(close: true)
        }
    }
}
