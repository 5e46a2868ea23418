/// Transaction markers through the manager: on the I/O pool, like appends.
extension LogManager {
    /// Writes a commit or abort marker to `log` on the I/O pool (see `PartitionLog.appendMarker`). The marker is in
    /// the page cache when this returns: call `flush(_:upTo:)` with the offset + 1 for durability.
    /// - Parameters:
    ///   - producerId: the transactional producer.
    ///   - producerEpoch: the epoch the coordinator ends the transaction with.
    ///   - coordinatorEpoch: the coordinator's epoch.
    ///   - commit: commit (true) or abort (false).
    ///   - log: the partition log.
    /// - Returns: the marker's offset.
    /// - Throws: `LogError` from the write, `.closed` after shutdown.
    public func appendMarker(
        producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool, to log: PartitionLog
    ) async throws -> Int64 {
        try await threadPool.runIfActive { [self] in
            defer { used(log) }
            return try log.appendMarker(
                producerId: producerId, producerEpoch: producerEpoch, coordinatorEpoch: coordinatorEpoch,
                commit: commit)
        }
    }
}
