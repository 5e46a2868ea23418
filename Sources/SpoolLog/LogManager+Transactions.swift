/// Transaction markers through the manager: on the I/O pool, like appends.
extension LogManager {
    /// Writes a commit or abort marker to `log` on the I/O pool (see `PartitionLog.appendMarker`). Without
    /// `durably` the marker is in the page cache when this returns (`flush(_:upTo:)` with its offset makes it
    /// durable); with it, the log is fsynced in the same trip to the pool, so that the markers of one transaction's
    /// partitions, written at once, are fsynced on several pool threads together rather than one after another in
    /// a group-commit round (the coordinator waits for all of them before it completes the transaction).
    /// - Parameters:
    ///   - producerId: the transactional producer.
    ///   - producerEpoch: the epoch the coordinator ends the transaction with.
    ///   - coordinatorEpoch: the coordinator's epoch.
    ///   - commit: commit (true) or abort (false).
    ///   - log: the partition log.
    ///   - durably: fsync the log before returning.
    /// - Returns: the marker's offset.
    /// - Throws: `LogError` from the write, `.closed` after shutdown.
    public func appendMarker(
        producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool, to log: PartitionLog,
        durably: Bool = false
    ) async throws -> Int64 {
        try await threadPool.runIfActive { [self] in
            defer { used(log) }
            let offset = try log.appendMarker(
                producerId: producerId, producerEpoch: producerEpoch, coordinatorEpoch: coordinatorEpoch,
                commit: commit)
            if durably { _ = try log.flush() }
            return offset
        }
    }
}
