import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// The broker state `/metrics` reports at scrape time rather than through stored instruments: what would
/// otherwise be one series per partition kept up to date on every append.
struct BrokerMetricsSnapshot: Sendable {
    struct Partition: Sendable {
        let topic: String
        let partition: Int32
        let logStartOffset: Int64
        let logEndOffset: Int64
        let sizeBytes: Int
    }

    struct GroupLag: Sendable {
        let groupId: String
        let topic: String
        let partition: Int32
        let committedOffset: Int64
        /// max(0, log end offset − committed offset).
        let lag: Int64
    }

    /// Sorted by topic, then partition.
    var partitions: [Partition] = []
    /// Sorted by group, topic and partition; only partitions that exist.
    var lags: [GroupLag] = []
    /// Consumer groups the coordinator holds, with how many members each has.
    var groupMembers: [(groupId: String, members: Int)] = []
    /// Share-partitions, sorted by group and partition.
    var shares: [SharePartitionReport] = []
    var openConnections = 0
    var process = ProcessSnapshot()
}

extension Broker {
    /// Reads what `/metrics` computes when scraped: log offsets and sizes (on the I/O pool: a segment not opened
    /// since start-up is `stat`ed once), committed offsets (one SQLite read), share-partition counts and the
    /// process's memory and descriptors.
    func metricsSnapshot() async -> BrokerMetricsSnapshot {
        var snapshot = BrokerMetricsSnapshot()
        let logs = logManager.allLogs
        let read = try? await logManager.onIOThread { () -> ([BrokerMetricsSnapshot.Partition], ProcessSnapshot) in
            let partitions = logs.map { log in
                let offsets = log.offsets
                return BrokerMetricsSnapshot.Partition(
                    topic: log.topicPartition.topic, partition: log.topicPartition.partition,
                    logStartOffset: offsets.logStartOffset, logEndOffset: offsets.logEndOffset,
                    sizeBytes: log.sizeInBytes())
            }
            return (partitions, ProcessSnapshot.read())
        }
        if let (partitions, process) = read {
            snapshot.partitions = partitions  // `allLogs` is in partition order: by topic, then index
            snapshot.process = process
        }
        snapshot.lags = await groupLags(logEndOffsets: snapshot.partitions)
        snapshot.groupMembers = groupService.coordinator.allGroups.map { ($0.groupId, $0.members.count) }
        snapshot.shares = await shares.allReports(ages: false)
        snapshot.openConnections = server.openConnections
        return snapshot
    }

    private func groupLags(logEndOffsets partitions: [BrokerMetricsSnapshot.Partition]) async
        -> [BrokerMetricsSnapshot.GroupLag]
    {
        guard let committed = try? await metadataStore.allCommittedOffsets() else { return [] }
        var ends: [TopicPartition: Int64] = [:]
        ends.reserveCapacity(partitions.count)
        for partition in partitions {
            ends[TopicPartition(topic: partition.topic, partition: partition.partition)] = partition.logEndOffset
        }
        return committed.compactMap { offset in
            // A committed -1 means "no position"; there is no lag to speak of.
            let partition = TopicPartition(topic: offset.topic, partition: offset.partition)
            guard offset.offset >= 0, let end = ends[partition] else { return nil }
            return BrokerMetricsSnapshot.GroupLag(
                groupId: offset.groupId, topic: offset.topic, partition: offset.partition,
                committedOffset: offset.offset, lag: max(0, end - offset.offset))
        }
    }
}
