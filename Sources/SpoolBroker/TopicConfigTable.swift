import SpoolLog

extension TopicConfigs {
    private static let never = "9223372036854775807"
    private static let week = "604800000"

    /// Every topic config Spool accepts, by name: Kafka's standard topic configs, so that provisioning tools
    /// (Terraform, Strimzi-style operators, kafka-topics) can send theirs. Those with a `field` act on this
    /// broker; the others are validated as Kafka validates them, stored, and described, with no effect on one
    /// broker (docs/topic-configs.md says why for each). Kafka's defaults and ranges are those of its LogConfig.
    static let table: [TopicConfigDefinition] = [
        .init("cleanup.policy", synonym: "log.cleanup.policy", .list, .listOf(["compact", "delete"]),
              default: "delete", field: .cleanupPolicy,
              "delete: retention deletes old segments; compact: the log cleaner keeps the latest record of each "
                  + "key, and records without a key are refused; compact,delete: both."),
        .init("compression.type", synonym: "compression.type", .string,
              .oneOf(["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]), default: "producer",
              "Stored only: Spool keeps each batch as the producer compressed it (Kafka's producer)."),
        .init("delete.retention.ms", synonym: "log.cleaner.delete.retention.ms", .long, .range(0...Int64.max),
              default: "86400000", field: .long(\.deleteRetentionMs),
              "How long a tombstone (a record with a null value) stays readable once compaction reached it, in ms."),
        .init("file.delete.delay.ms", synonym: "log.segment.delete.delay.ms", .long, .range(0...Int64.max),
              default: "60000", "Stored only: Spool renames a segment to .deleted and removes it at once."),
        .init("flush.messages", synonym: "log.flush.interval.messages", .long, .range(1...Int64.max),
              default: never, "Stored only: every log is fsynced every log.flush.interval.ms."),
        .init("flush.ms", synonym: "log.flush.interval.ms", .long, .range(0...Int64.max), default: never,
              "Stored only: every log is fsynced every log.flush.interval.ms (the broker setting)."),
        .init("follower.replication.throttled.replicas", synonym: nil, .list, .replicaList, default: "",
              "Stored only: one broker has no followers to throttle."),
        .init("index.interval.bytes", synonym: "log.index.interval.bytes", .int, .range(0...Int64(Int32.max)),
              default: "4096", field: .int(\.indexIntervalBytes), "Bytes of log between two sparse index entries."),
        .init("leader.replication.throttled.replicas", synonym: nil, .list, .replicaList, default: "",
              "Stored only: one broker has no replication to throttle."),
        .init("local.retention.bytes", synonym: "log.local.retention.bytes", .long, .range(-2...Int64.max),
              default: "-2", "Stored only: tiered storage is not built; all data is local (retention.bytes)."),
        .init("local.retention.ms", synonym: "log.local.retention.ms", .long, .range(-2...Int64.max),
              default: "-2", "Stored only: tiered storage is not built; all data is local (retention.ms)."),
        .init("max.compaction.lag.ms", synonym: "log.cleaner.max.compaction.lag.ms", .long, .range(1...Int64.max),
              default: never, field: .long(\.maxCompactionLagMs),
              "A record stays uncompacted for at most about this long, in ms: a compacted log older is cleaned."),
        .init("max.message.bytes", synonym: "message.max.bytes", .int, .range(0...Int64(Int32.max)),
              default: "1048588", field: .int(\.maxMessageBytes), "Largest record batch accepted, in bytes."),
        .init("message.downconversion.enable", synonym: "log.message.downconversion.enable", .boolean,
              default: "true", "Stored only: Spool answers fetches in the stored format (v2 batches)."),
        .init("message.timestamp.after.max.ms", synonym: "log.message.timestamp.after.max.ms", .long,
              .range(0...Int64.max), default: never, "Stored only: Spool does not bound producers' timestamps."),
        .init("message.timestamp.before.max.ms", synonym: "log.message.timestamp.before.max.ms", .long,
              .range(0...Int64.max), default: never, "Stored only: Spool does not bound producers' timestamps."),
        .init("message.timestamp.difference.max.ms", synonym: "log.message.timestamp.difference.max.ms", .long,
              .range(0...Int64.max), default: never, "Stored only: Spool does not bound producers' timestamps."),
        .init("message.timestamp.type", synonym: "log.message.timestamp.type", .string,
              .oneOf(LogConfig.TimestampType.allCases.map(\.rawValue)), default: "CreateTime",
              field: .timestampType, "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's."),
        .init("min.cleanable.dirty.ratio", synonym: "log.cleaner.min.cleanable.ratio", .double, .fraction(0...1),
              default: "0.5", field: .double(\.minCleanableDirtyRatio),
              "A compacted log is cleaned once this share of it was written since its last cleaning."),
        .init("min.compaction.lag.ms", synonym: "log.cleaner.min.compaction.lag.ms", .long, .range(0...Int64.max),
              default: "0", field: .long(\.minCompactionLagMs),
              "A record stays uncompacted for at least this long after it was written, in ms."),
        .init("min.insync.replicas", synonym: "min.insync.replicas", .int, .range(1...Int64(Int32.max)),
              default: "1", "Stored only: the one replica is the in-sync set, and acks=all waits for it alone."),
        .init("preallocate", synonym: "log.preallocate", .boolean, default: "false",
              "Stored only: the broker's log.preallocate.max.bytes reserves disk for every partition."),
        .init("remote.storage.enable", synonym: nil, .boolean, default: "false",
              refusal: { $0 == "true" ? "remote.storage.enable=true is not supported: Spool keeps every segment "
                  + "on local disk (tiered storage is not built)" : nil },
              "false only: tiered storage is not built."),
        .init("retention.bytes", synonym: "log.retention.bytes", .long, .range(-1...Int64.max), default: "-1",
              field: .long(\.retentionBytes),
              "Delete the oldest segments while a partition is larger; -1 for no limit."),
        .init("retention.ms", synonym: "log.retention.ms", .long, .range(-1...Int64.max), default: week,
              field: .long(\.retentionMs), "Delete segments whose newest record is older than this; -1 keeps them."),
        .init("segment.bytes", synonym: "log.segment.bytes", .int,
              .range(Int64(LogConfig.minSegmentBytes)...Int64(LogConfig.maxSegmentBytes)), default: "1073741824",
              field: .int(\.segmentBytes), "Roll a segment when the next batch would take it past this size."),
        .init("segment.index.bytes", synonym: "log.index.size.max.bytes", .int, .range(4...Int64(Int32.max)),
              default: "10485760", "Stored only: Spool's sparse indexes grow as their segment does."),
        .init("segment.jitter.ms", synonym: "log.roll.jitter.ms", .long, .range(0...Int64.max), default: "0",
              "Stored only: segments roll at segment.ms exactly."),
        .init("segment.ms", synonym: "log.roll.ms", .long, .range(1...Int64.max), default: week,
              field: .long(\.segmentMs), "Roll a segment once its first batch is this old, in milliseconds."),
        .init("unclean.leader.election.enable", synonym: "unclean.leader.election.enable", .boolean,
              default: "false", "Stored only: one broker is always the leader of its partitions."),
    ]

    /// The table by name.
    static let byName: [String: TopicConfigDefinition] = Dictionary(
        uniqueKeysWithValues: table.map { ($0.name, $0) })
}
