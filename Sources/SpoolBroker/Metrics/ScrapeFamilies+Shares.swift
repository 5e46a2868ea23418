import SpoolProtocol

extension ScrapeFamilies {
    /// Computed, not stored: key paths are not `Sendable`, so a static array of them could not be shared.
    private static var states: [(String, WritableKeyPath<SharePartitionStats, Int64>)] {
        [("available", \.available), ("acquired", \.acquired), ("acknowledged", \.acknowledged),
         ("archived", \.archived)]
    }

    /// Share groups' records by state (KIP-932 queues), per topic always and per partition under the cap.
    mutating func writeShares(into text: inout MetricsText) {
        let reports = snapshot.shares
        var byTopic: [(group: String, topic: String, stats: SharePartitionStats)] = []
        for report in reports {
            let (group, topic) = (report.key.groupId, report.key.partition.topic)
            if let last = byTopic.last, last.group == group, last.topic == topic {
                for (_, state) in Self.states {
                    byTopic[byTopic.count - 1].stats[keyPath: state] += report.stats[keyPath: state]
                }
                byTopic[byTopic.count - 1].stats.deadLettered += report.stats.deadLettered
            } else {
                byTopic.append((group, topic, report.stats))
            }
        }
        text.family(
            "spool_share_group_topic_records", .gauge,
            "Records of the share group on the topic by state: available, acquired, acknowledged, archived.")
        for topic in byTopic {
            for (state, value) in Self.states {
                text.series(
                    "spool_share_group_topic_records", ["group": topic.group, "topic": topic.topic, "state": state],
                    topic.stats[keyPath: value])
            }
        }
        text.family(
            "spool_share_group_topic_dead_lettered_records_total", .counter,
            "Records the share group archived for its dead-letter topic, since the broker loaded it.")
        for topic in byTopic {
            text.series(
                "spool_share_group_topic_dead_lettered_records_total", ["group": topic.group, "topic": topic.topic],
                topic.stats.deadLettered)
        }
        writeSharePartitions(reports, into: &text)
    }

    private mutating func writeSharePartitions(_ reports: [SharePartitionReport], into text: inout MetricsText) {
        if capped(
            "spool_share_group_records", .gauge, "Records of the share-partition by state.",
            series: reports.count * Self.states.count, into: &text)
        {
            for report in reports {
                for (state, value) in Self.states {
                    text.series(
                        "spool_share_group_records",
                        ["group": report.key.groupId, "topic": report.key.partition.topic,
                         "partition": String(report.key.partition.partition), "state": state],
                        report.stats[keyPath: value])
                }
            }
        }
        if capped(
            "spool_share_group_dead_lettered_records_total", .counter,
            "Records the share-partition archived for the dead-letter topic, since the broker loaded it.",
            series: reports.count, into: &text)
        {
            for report in reports {
                text.series(
                    "spool_share_group_dead_lettered_records_total",
                    ["group": report.key.groupId, "topic": report.key.partition.topic,
                     "partition": String(report.key.partition.partition)],
                    report.stats.deadLettered)
            }
        }
    }
}
