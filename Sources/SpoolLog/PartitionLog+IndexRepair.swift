import Logging

extension PartitionLog {
    /// Runs a lookup on `segment`; when it finds the segment's index pointing off a batch boundary (or the
    /// bytes not parsing), logs one warning, rebuilds the segment's indexes from the log and runs it once more.
    /// Indexes are derived data, so a damaged one costs a re-read of one segment, never skipped offsets.
    /// Called with the lock held.
    /// - Throws: `LogError.damagedSegment` when the rebuilt indexes do not help (the log itself is damaged).
    func withIndexRepair<T>(_ segment: LogSegment, _ lookup: (LogSegment) throws(LogError) -> T) throws(LogError)
        -> T
    {
        do throws(LogError) {
            return try lookup(segment)
        } catch where error.isDamagedSegment {
            logger.warning(
                "segment index does not match the log; rebuilding it from the log",
                metadata: ["segment": "\(segment.logPath)", "error": "\(error)"])
            _ = try segment.rebuild(verify: false, leaderEpochs: nil)
            // Make the repaired indexes durable; an inactive segment gives its descriptors back afterwards.
            try segment.syncIndexes(close: segment !== segments.last)
        }
        do throws(LogError) {
            return try lookup(segment)
        } catch {
            logger.error(
                "segment is damaged beyond its indexes; reads of it fail until it is restored",
                metadata: ["segment": "\(segment.logPath)", "error": "\(error)"])
            throw error
        }
    }
}
