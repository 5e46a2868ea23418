import NIOCore
import SpoolRecords

/// Appends of stored data: batches whose offsets are already decided (compaction's output, transaction markers),
/// checked for integrity only, as recovery checks them.
extension PartitionLog {
    /// Appends a batch as stored data, keeping its offsets: its base offset must be the log end offset, and its
    /// last offset is its own (base offset + lastOffsetDelta) even when it holds fewer records than that spans,
    /// as a compacted batch does. A control batch (a transaction marker) is accepted.
    ///
    /// Only `StoredBatchIntegrity` applies (magic, length, CRC32C, lastOffsetDelta ≥ 0, offsets that fit the
    /// segment), never the client rules of `ProducedBatchValidator`: what compaction and transaction coordinators
    /// write breaks them by design, and recovery accepts it for the same reason. The leader epoch is stamped as on
    /// every append; an idempotent producer's non-control batch updates its state as the recovery scan would.
    /// - Parameters:
    ///   - batch: a whole v2 batch with its offsets set.
    ///   - now: the wall clock in milliseconds; nil for the system clock.
    /// - Returns: the offsets the batch holds and the log's new bounds.
    /// - Throws: `LogError.invalidArgument` when the batch fails an integrity check or does not start at the log end
    ///   offset, `.storage` when the write fails, `.offline` after a failed fsync.
    package func appendStored(_ batch: RecordBatch, now: Int64? = nil) throws(LogError) -> AppendInfo {
        let now = now ?? FileSystem.nowMs()
        do throws(StoredBatchIntegrity.Violation) {
            _ = try StoredBatchIntegrity.header(batch.buffer, remaining: batch.buffer.readableBytes)
            try StoredBatchIntegrity.checksum(ofBatch: batch.buffer)
        } catch {
            throw .invalidArgument("stored batch refused: \(error)")
        }
        return try serialised { () throws(LogError) -> AppendInfo in
            let placed = try place(batch, now: now) { () throws(LogError) -> AppendInfo? in
                guard batch.baseOffset == logEndOffsetValue else {
                    throw .invalidArgument(
                        "stored batch at base offset \(batch.baseOffset) does not start at the log end offset "
                            + "\(logEndOffsetValue)")
                }
                return nil
            }
            // `admit` never answers for a stored batch: it is written or refused.
            guard case .written(let written, let offsets) = placed else { preconditionFailure("no stored duplicates") }
            if batch.producerId >= 0, batch.baseSequence >= 0, !batch.isControl { recordProducer(written) }
            return AppendInfo(
                baseOffset: written.baseOffset, lastOffset: written.lastOffset, logAppendTime: -1,
                logStartOffset: offsets.logStartOffset, logEndOffset: offsets.logEndOffset)
        }
    }
}
