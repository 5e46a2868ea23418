import Foundation
import SpoolLog

/// One partition as the admin API shows it: offsets, size on disk and segments.
public struct PartitionSummary: Sendable, Encodable {
    /// The topic.
    public let topic: String
    /// The partition.
    public let partition: Int32
    /// The first offset still held.
    public let logStartOffset: Int64
    /// The offset the next record gets.
    public let logEndOffset: Int64
    /// Bytes of record data in the segments (indexes left out, as Kafka counts a log's size).
    public let sizeBytes: Int64
    /// How many segments the log has.
    public let segments: Int
    /// Where compaction stands, for a partition the log cleaner has looked at (its topic is compacted).
    public let cleaner: CleanerPartitionStatus?
}

/// The file system the data directory is on.
public struct DiskUsage: Sendable, Encodable {
    /// Its size.
    public let totalBytes: Int64
    /// What an unprivileged process may still write.
    public let freeBytes: Int64
}

/// One setting as the admin API shows it.
public struct SettingDescription: Sendable, Encodable {
    /// The key, e.g. `log.segment.bytes`.
    public let key: String
    /// The effective value.
    public let value: String
    /// The built-in default.
    public let defaultValue: String
    /// Whether the value differs from the default.
    public let changed: Bool
    /// What it means.
    public let help: String
}

extension Broker {
    /// Every partition's offsets, size and segments, sorted by topic and partition; only `topic`'s when given:
    /// what the admin API shows and `/metrics` reports. Runs on the I/O pool: a segment not opened since start-up
    /// is `stat`ed once.
    public func partitionSummaries(topic: String? = nil) async -> [PartitionSummary] {
        let logs = logManager.allLogs.filter { topic == nil || $0.topicPartition.topic == topic }
        let summaries = try? await logManager.onIOThread {
            logs.map { log in
                let offsets = log.offsets
                return PartitionSummary(
                    topic: log.topicPartition.topic, partition: log.topicPartition.partition,
                    logStartOffset: offsets.logStartOffset, logEndOffset: offsets.logEndOffset,
                    sizeBytes: Int64(log.sizeInBytes()), segments: log.segmentCount,
                    cleaner: log.logConfig.cleanupPolicy.contains(.compact) ? cleaner.status(of: log.topicPartition) : nil)
            }
        }
        return summaries ?? []  // `allLogs` is in partition order: by topic, then index
    }

    /// The size and free space of the data directory's file system; nil when `statvfs` fails.
    public func diskUsage() async -> DiskUsage? {
        let directory = configuration.dataDirectory
        return try? await logManager.onIOThread { () -> DiskUsage? in
            var stats = statvfs()
            guard statvfs(directory, &stats) == 0 else { return nil }
            let block = Int64(stats.f_frsize)
            return DiskUsage(totalBytes: Int64(stats.f_blocks) * block, freeBytes: Int64(stats.f_bavail) * block)
        } ?? nil
    }

    /// This data directory's cluster id.
    public var clusterId: String { server.cluster.clusterId }

    /// Every setting with its effective value and default, in `config/spool.yaml`'s order.
    public var settingDescriptions: [SettingDescription] {
        let defaults = BrokerConfiguration()
        return Settings.all.map { setting in
            let value = setting.current(configuration)
            let defaultValue = setting.current(defaults)
            return SettingDescription(
                key: setting.key, value: value, defaultValue: defaultValue, changed: value != defaultValue,
                help: setting.help)
        }
    }
}
