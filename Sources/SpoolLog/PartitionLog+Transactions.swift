import SpoolRecords

/// Transactions on the partition: the markers the coordinator writes to end them, and what readers need of them
/// (the open transactions; the last stable offset is published with the other bounds).
extension PartitionLog {
    /// Writes a commit or abort marker for `producerId`'s transaction and closes it. The marker goes through the
    /// same placement as an append (offsets, rolls, indexes) but none of the producer checks of a data batch: it
    /// carries no sequence. A marker for a producer with no open transaction (the coordinator writing again after
    /// a restart) is written too, as Kafka does, and changes only the producer's epochs. The write reaches the page
    /// cache; flush up to the returned offset + 1 before treating the transaction as complete.
    /// - Parameters:
    ///   - producerId: the transactional producer.
    ///   - producerEpoch: the epoch the coordinator ends the transaction with; it becomes the producer's epoch here.
    ///   - coordinatorEpoch: the coordinator's epoch.
    ///   - commit: commit (true) or abort (false).
    ///   - now: the wall clock in milliseconds; nil for the system clock.
    /// - Returns: the marker's offset.
    /// - Throws: `LogError.producer(.staleEpoch)` when the producer epoch or the coordinator epoch is older than
    ///   the recorded one, `.storage` when the write fails, `.offline` after a failed fsync.
    public func appendMarker(
        producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool, now: Int64? = nil
    ) throws(LogError) -> Int64 {
        let now = now ?? FileSystem.nowMs()
        let marker = ControlBatch.marker(
            producerId: producerId, epoch: producerEpoch, coordinatorEpoch: coordinatorEpoch, commit: commit,
            timestamp: now)
        return try serialised { () throws(LogError) -> Int64 in
            let placed = try place(marker, now: now) { () throws(LogError) -> AppendInfo? in
                do throws(LogError) {
                    try producers.checkMarker(
                        producerId: producerId, epoch: producerEpoch, coordinatorEpoch: coordinatorEpoch)
                } catch {
                    logger.error("transaction marker refused", metadata: ["error": "\(error)"])
                    throw error
                }
                return nil
            }
            guard case .written(let written, _) = placed else { preconditionFailure("a marker is never a duplicate") }
            let aborted = producers.completeTransaction(
                producerId: producerId, epoch: producerEpoch, coordinatorEpoch: coordinatorEpoch, commit: commit,
                markerOffset: written.baseOffset, timestamp: now)
            // An aborted transaction's entry goes in before the last stable offset moves past its marker: a
            // read_committed read that sees the new LSO must find the entry, or it would take the aborted records for
            // committed ones.
            if let aborted {
                let stable = lock.withLock { () -> Int64 in
                    var next = published.current
                    next.firstUnstableOffset = producers.firstUnstableOffset
                    return next.lastStableOffset
                }
                let entry = AbortedTransaction(
                    producerId: producerId, firstOffset: aborted.first, lastOffset: aborted.last,
                    lastStableOffset: stable)
                do throws(LogError) {
                    recent.abortMarked(at: written.baseOffset)
                    try recordAborted(entry)
                } catch {
                    // Without its entry, read_committed consumers would take the aborted records for committed
                    // ones: serve nothing more until a restart's recovery re-reads the marker (`close` writes no
                    // snapshot for an offline log, so the scan starts before it).
                    lock.withLock { offlineReason = offlineReason ?? "aborted transaction index not written: \(error)" }
                    logger.error(
                        "aborted transaction index not written; the log is offline until restart",
                        metadata: ["error": "\(error)", "marker": "\(written.baseOffset)"])
                    throw error
                }
            }
            publishFirstUnstableOffset()
            return written.baseOffset
        }
    }

    /// The open transactions: producer id to the transaction's first offset on this partition (DescribeProducers,
    /// hanging-transaction checks).
    public var openTransactions: [Int64: Int64] { serialisedRead { producers.ongoing } }

    /// Publishes the producer state's first unstable offset with the other bounds. Called with the append lock held.
    @discardableResult
    func publishFirstUnstableOffset() -> LogOffsets {
        lock.withLock { publishFirstUnstableOffsetLocked() }
    }

    /// `publishFirstUnstableOffset` for a caller holding `lock` (and the append lock, or the log not yet shared).
    @discardableResult
    func publishFirstUnstableOffsetLocked() -> LogOffsets {
        let unstable = producers.firstUnstableOffset
        return published.update { $0.firstUnstableOffset = unstable }
    }

    /// The aborted transactions a read_committed fetch of `from..<upTo` must tell the consumer about: those whose
    /// marker lies at or after `from` and whose first offset lies below `upTo`, oldest marker first.
    /// - Parameters:
    ///   - from: the fetch offset.
    ///   - upTo: the offset just past the slice returned.
    /// - Throws: `LogError.storage` when an index cannot be read.
    public func abortedTransactions(from: Int64, upTo: Int64) throws(LogError) -> [AbortedTransaction] {
        try locked { () throws(LogError) -> [AbortedTransaction] in
            var found: [AbortedTransaction] = []
            for segment in segments[segmentIndex(for: from)...] {
                for entry in try segment.abortedTransactions() where entry.lastOffset >= from {
                    if entry.firstOffset < upTo { found.append(entry) }
                    // Every transaction closed after this one began at or past this LSO (Kafka's `isComplete`).
                    if entry.lastStableOffset >= upTo { return found }
                }
            }
            return found
        }
    }

    /// Adds an aborted transaction to the `.txnindex` of the segment holding its marker (the active one, right after
    /// the marker's write). Called with the append lock held.
    func recordAborted(_ entry: AbortedTransaction) throws(LogError) {
        try locked { () throws(LogError) in
            try segments[segmentIndex(for: entry.lastOffset)].appendAborted(entry)
        }
    }

    /// Reads producer state under the append lock, which guards it.
    private func serialisedRead<T>(_ body: () -> T) -> T {
        appendLock.lock()
        defer { appendLock.unlock() }
        return body()
    }
}
