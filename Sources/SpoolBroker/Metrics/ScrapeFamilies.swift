import SpoolLog
/// The families `/metrics` computes from a `BrokerMetricsSnapshot`. Per-partition families (offsets, size, lag,
/// share counts) are capped at `seriesMaximum` series each: a family that would pass it is left out whole, its
/// per-topic totals (always written) stand for it, and `spool_metrics_series_dropped` says how many series
/// were not written. docs/metrics.md lists each family with its labels and worst-case series count.
///
/// Not thread-safe: one value per scrape.
struct ScrapeFamilies {
    let snapshot: BrokerMetricsSnapshot
    let seriesMaximum: Int
    /// Series left out, by family, in the order the families were written.
    private var dropped: [(family: String, series: Int)] = []

    init(snapshot: BrokerMetricsSnapshot, seriesMaximum: Int) {
        self.snapshot = snapshot
        self.seriesMaximum = seriesMaximum
    }

    mutating func write(into text: inout MetricsText) {
        text.family("spool_build_info", .gauge, "Always 1; the version label is the broker's version.")
        text.series("spool_build_info", ["version": SpoolVersion.current], 1)
        text.family("spool_connections_open", .gauge, "Kafka connections open now.")
        text.series("spool_connections_open", [:], Int64(snapshot.openConnections))
        writePartitions(into: &text)
        writeGroups(into: &text)
        writeShares(into: &text)
        text.family(
            "spool_metrics_series_dropped", .gauge,
            "Series a per-partition family left out because it would pass metrics.partition.series.max.")
        for (family, series) in dropped {
            text.series("spool_metrics_series_dropped", ["family": family], Int64(series))
        }
    }

    /// Writes the HELP and TYPE lines of a capped family and returns true when its `series` fit under the cap;
    /// otherwise records them as dropped and writes nothing.
    mutating func capped(_ name: String, _ kind: MetricsText.Kind, _ help: String, series: Int,
                                 into text: inout MetricsText) -> Bool
    {
        guard series <= seriesMaximum else {
            dropped.append((name, series))
            return false
        }
        dropped.append((name, 0))
        text.family(name, kind, help)
        return true
    }

    private mutating func writePartitions(into text: inout MetricsText) {
        let partitions = snapshot.partitions
        text.family("spool_partitions", .gauge, "Partitions the broker holds, over every topic.")
        text.series("spool_partitions", [:], Int64(partitions.count))
        var topics: [(topic: String, partitions: Int64, sizeBytes: Int64)] = []
        for partition in partitions {
            if topics.last?.topic == partition.topic {
                topics[topics.count - 1].partitions += 1
                topics[topics.count - 1].sizeBytes += partition.sizeBytes
            } else {
                topics.append((partition.topic, 1, partition.sizeBytes))
            }
        }
        text.family("spool_topic_partitions", .gauge, "Partitions of the topic.")
        for topic in topics { text.series("spool_topic_partitions", ["topic": topic.topic], topic.partitions) }
        text.family("spool_topic_size_bytes", .gauge, "Bytes of record data the topic's partitions hold on disk.")
        for topic in topics { text.series("spool_topic_size_bytes", ["topic": topic.topic], topic.sizeBytes) }
        let families: [(String, String, KeyPath<BrokerMetricsSnapshot.Partition, Int64>)] = [
            ("spool_partition_log_end_offset", "The offset the partition's next record gets.", \.logEndOffset),
            ("spool_partition_log_start_offset", "The first offset the partition still holds.", \.logStartOffset),
            ("spool_partition_size_bytes", "Bytes of record data the partition holds on disk.", \.sizeBytes),
        ]
        var labels: [[UInt8]] = []
        for (name, help, value) in families {
            guard capped(name, .gauge, help, series: partitions.count, into: &text) else { continue }
            if labels.isEmpty {
                labels = partitions.map {
                    MetricsText.labels(["topic": $0.topic, "partition": String($0.partition)])
                }
            }
            for (partition, labels) in zip(partitions, labels) {
                text.series(name, labels: labels, partition[keyPath: value])
            }
        }
        writeCleaner(partitions, into: &text)
    }

    /// Compacted partitions' cleaner progress: where the dirty section starts, how dirty the log is, and what
    /// compaction reclaimed (broker-wide totals come from the cleaner's own counters).
    private mutating func writeCleaner(_ partitions: [BrokerMetricsSnapshot.Partition], into text: inout MetricsText) {
        let compacted = partitions.compactMap { partition in partition.cleaner.map { (partition, $0) } }
        let families: [(String, String, (CleanerPartitionStatus) -> Int64)] = [
            ("spool_log_cleaner_first_dirty_offset", "Where the compacted partition's uncleaned records start.",
             { $0.firstDirtyOffset }),
            ("spool_log_cleaner_dirty_permille", "The compacted partition's dirty share of its inactive bytes, in 1/1000.",
             { Int64(($0.dirtyRatio * 1000).rounded()) }),
            ("spool_log_cleaner_partition_bytes_reclaimed", "Bytes compaction removed from the partition since start.",
             { $0.bytesReclaimed }),
        ]
        for (name, help, value) in families {
            guard capped(name, .gauge, help, series: compacted.count, into: &text) else { continue }
            for (partition, status) in compacted {
                text.series(name, ["topic": partition.topic, "partition": String(partition.partition)], value(status))
            }
        }
    }

    private mutating func writeGroups(into text: inout MetricsText) {
        text.family("spool_consumer_group_members", .gauge, "Members of the consumer group.")
        for group in snapshot.groupMembers {
            text.series("spool_consumer_group_members", ["group": group.groupId], Int64(group.members))
        }
        let lags = snapshot.lags
        var byGroup: [(group: String, lag: Int64)] = []
        var byTopic: [(group: String, topic: String, lag: Int64)] = []
        for lag in lags {
            if byGroup.last?.group == lag.groupId { byGroup[byGroup.count - 1].lag += lag.lag } else {
                byGroup.append((lag.groupId, lag.lag))
            }
            if let last = byTopic.last, last.group == lag.groupId, last.topic == lag.topic {
                byTopic[byTopic.count - 1].lag += lag.lag
            } else {
                byTopic.append((lag.groupId, lag.topic, lag.lag))
            }
        }
        text.family(
            "spool_consumer_group_total_lag", .gauge,
            "Records the consumer group has not committed past, over every partition it committed on.")
        for group in byGroup { text.series("spool_consumer_group_total_lag", ["group": group.group], group.lag) }
        text.family("spool_consumer_group_topic_lag", .gauge, "The consumer group's lag over the topic's partitions.")
        for topic in byTopic {
            text.series("spool_consumer_group_topic_lag", ["group": topic.group, "topic": topic.topic], topic.lag)
        }
        let families: [(String, String, KeyPath<BrokerMetricsSnapshot.GroupLag, Int64>)] = [
            ("spool_consumer_group_lag", "Log end offset less the group's committed offset (at least 0).", \.lag),
            ("spool_consumer_group_committed_offset", "The next offset the consumer group reads.", \.committedOffset),
        ]
        var labels: [[UInt8]] = []
        for (name, help, value) in families {
            guard capped(name, .gauge, help, series: lags.count, into: &text) else { continue }
            if labels.isEmpty {
                labels = lags.map {
                    MetricsText.labels(["group": $0.groupId, "topic": $0.topic, "partition": String($0.partition)])
                }
            }
            for (lag, labels) in zip(lags, labels) {
                text.series(name, labels: labels, lag[keyPath: value])
            }
        }
    }
}
