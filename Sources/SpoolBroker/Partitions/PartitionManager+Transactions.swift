import SpoolLog
import SpoolMetadata

extension PartitionManager {
    /// Writes a transaction's commit or abort marker to each of its partitions (all at once, each partition written
    /// and fsynced in one trip to the I/O pool, so the fsyncs run side by side) and returns once every marker is on
    /// disk: the coordinator saves the transaction complete only then. A partition whose topic was deleted since
    /// needs no marker.
    /// - Throws: the first partition's storage error; markers already written stay (writing one again is harmless:
    ///   a marker for a producer with no open transaction changes nothing).
    func writeTransactionMarkers(producerId: Int64, producerEpoch: Int16, commit: Bool,
                                 partitions: Set<TransactionPartition>) async throws
    {
        let logManager = self.logManager
        let logs = partitions.compactMap { log(TopicPartition(topic: $0.topic, partition: $0.partition)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for log in logs {
                group.addTask {
                    _ = try await logManager.appendMarker(
                        producerId: producerId, producerEpoch: producerEpoch, coordinatorEpoch: 0, commit: commit,
                        to: log, durably: true)
                }
            }
            try await group.waitForAll()
        }
        for log in logs { delayed.wake(.appended(log.topicPartition)) }
    }
}
