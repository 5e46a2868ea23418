import NIOCore

/// `.txnindex`: the aborted transactions whose abort marker lies in a segment (Kafka's AbortedTxn), 34 bytes
/// big-endian each: `i16 version 0, i64 producerId, i64 firstOffset, i64 lastOffset, i64 lastStableOffset`.
/// Derived data like the other indexes: written after the marker, synced at checkpoints and rolls, and rebuilt
/// by recovery's scan of the markers after the recovery point.
extension AbortedTransaction: IndexEntry {
    static let size = 34

    init?(from buffer: ByteBuffer, at index: Int) {
        guard buffer.getInteger(at: index, as: Int16.self) == 0,
              let producerId = buffer.getInteger(at: index + 2, as: Int64.self),
              let first = buffer.getInteger(at: index + 10, as: Int64.self),
              let last = buffer.getInteger(at: index + 18, as: Int64.self),
              let stable = buffer.getInteger(at: index + 26, as: Int64.self)
        else { return nil }
        self.init(producerId: producerId, firstOffset: first, lastOffset: last, lastStableOffset: stable)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(Int16(0))
        buffer.writeInteger(producerId)
        buffer.writeInteger(firstOffset)
        buffer.writeInteger(lastOffset)
        buffer.writeInteger(lastStableOffset)
    }
}

extension LogSegment {
    /// The aborted transactions whose marker lies in this segment, oldest first. Loads the file on first use; a
    /// torn tail (a crash during the write of an entry) is cut off, since recovery writes that entry again.
    func abortedTransactions() throws(LogError) -> [AbortedTransaction] {
        try loadTransactionIndex()
        return transactionIndex.entries
    }

    /// Adds an aborted transaction whose marker this segment holds. An entry at or below the last one is already
    /// there (recovery re-reading markers the index kept) and is skipped.
    func appendAborted(_ entry: AbortedTransaction) throws(LogError) {
        try loadTransactionIndex()
        guard entry.lastOffset > (transactionIndex.entries.last?.lastOffset ?? Int64.min) else { return }
        try transactionIndex.append(entry)
    }

    /// Replaces the entries whose marker lies at or past `offset` with `replacement` (recovery's re-read of the
    /// markers from `offset` on). Writes nothing when they are the same.
    func replaceAborted(from offset: Int64, with replacement: [AbortedTransaction]) throws(LogError) {
        try loadTransactionIndex()
        let entries = transactionIndex.entries.filter { $0.lastOffset < offset } + replacement
        guard entries != transactionIndex.entries else { return }
        try transactionIndex.reset(to: entries)
    }

    private func loadTransactionIndex() throws(LogError) {
        guard !transactionIndexLoaded else { return }
        if FileSystem.exists(transactionIndex.path) {
            try transactionIndex.load(keepingWholeEntries: true)
            // Entries must lie in the segment and in order; anything else is not ours to trust.
            let entries = transactionIndex.entries
            let ordered = zip(entries, entries.dropFirst()).allSatisfy { $0.lastOffset < $1.lastOffset }
            if !ordered || entries.contains(where: { $0.lastOffset < baseOffset || $0.firstOffset > $0.lastOffset }) {
                try transactionIndex.reset(to: entries.filter { $0.lastOffset >= baseOffset }.sorted {
                    $0.lastOffset < $1.lastOffset
                })
            }
        }
        transactionIndexLoaded = true
    }
}
