/// Settings of one partition log, named as Kafka's topic configs are. A plain value: thread-safe to copy.
public struct LogConfig: Sendable, Equatable {
    /// Which timestamp a batch carries: the producer's (CreateTime) or the broker's at append (LogAppendTime).
    public enum TimestampType: String, Sendable, CaseIterable {
        case createTime = "CreateTime"
        case logAppendTime = "LogAppendTime"
    }

    /// A segment rolls when the next batch would take it past this size (`segment.bytes`).
    public var segmentBytes: Int = 1 << 30
    /// A segment rolls once its first batch is this old (`segment.ms`).
    public var segmentMs: Int64 = 7 * 24 * 3_600_000
    /// Bytes of log between two sparse index entries (`index.interval.bytes`).
    public var indexIntervalBytes: Int = 4096
    /// Segments whose newest record is older than this are deleted; -1 keeps them (`retention.ms`).
    public var retentionMs: Int64 = 7 * 24 * 3_600_000
    /// Oldest segments are deleted while the log is larger than this; -1 for no limit (`retention.bytes`).
    public var retentionBytes: Int64 = -1
    /// The largest batch accepted (`max.message.bytes`), Kafka's default.
    public var maxMessageBytes: Int = 1_048_588
    /// `message.timestamp.type`.
    public var timestampType: TimestampType = .createTime
    /// What happens to old data (`cleanup.policy`): segments deleted by retention, compacted to the latest record
    /// per key, or both.
    public var cleanupPolicy: CleanupPolicy = .delete
    /// How long a tombstone stays readable once compaction has reached it (`delete.retention.ms`).
    public var deleteRetentionMs: Int64 = 86_400_000
    /// A record stays uncompacted for at least this long after it was written (`min.compaction.lag.ms`).
    public var minCompactionLagMs: Int64 = 0
    /// A record stays uncompacted for at most about this long (`max.compaction.lag.ms`).
    public var maxCompactionLagMs: Int64 = Int64.max
    /// A log is compacted once this share of it is dirty (written since its last cleaning)
    /// (`min.cleanable.dirty.ratio`).
    public var minCleanableDirtyRatio: Double = 0.5

    /// The defaults, as Kafka's.
    public init() {}

    /// The smallest segment.bytes accepted (Kafka's minimum is 14 bytes; a useful floor is one header).
    public static let minSegmentBytes = 1024
    /// Positions in the index are 32-bit, so a segment stays below 2 GiB.
    public static let maxSegmentBytes = Int(Int32.max)

    /// Checks the values against what the log can honour.
    /// - Throws: `LogError.invalidArgument` naming the setting, its value and what is allowed.
    public func validate() throws(LogError) {
        func check(_ ok: Bool, _ message: String) throws(LogError) {
            if !ok { throw .invalidArgument(message) }
        }
        try check(
            segmentBytes >= Self.minSegmentBytes && segmentBytes <= Self.maxSegmentBytes,
            "segment.bytes=\(segmentBytes) is out of range: allowed \(Self.minSegmentBytes)...\(Self.maxSegmentBytes)")
        try check(segmentMs >= 1, "segment.ms=\(segmentMs) must be at least 1")
        try check(indexIntervalBytes >= 0, "index.interval.bytes=\(indexIntervalBytes) must be 0 or more")
        try check(retentionMs >= -1, "retention.ms=\(retentionMs) must be -1 (unlimited) or more")
        try check(retentionBytes >= -1, "retention.bytes=\(retentionBytes) must be -1 (unlimited) or more")
        try check(maxMessageBytes >= 0, "max.message.bytes=\(maxMessageBytes) must be 0 or more")
        try check(!cleanupPolicy.isEmpty, "cleanup.policy must name delete, compact or both")
        try check(deleteRetentionMs >= 0, "delete.retention.ms=\(deleteRetentionMs) must be 0 or more")
        try check(minCompactionLagMs >= 0, "min.compaction.lag.ms=\(minCompactionLagMs) must be 0 or more")
        try check(
            maxCompactionLagMs >= 1 && maxCompactionLagMs >= minCompactionLagMs,
            "max.compaction.lag.ms=\(maxCompactionLagMs) must be at least 1 and at least min.compaction.lag.ms")
        try check(
            (0...1).contains(minCleanableDirtyRatio),
            "min.cleanable.dirty.ratio=\(minCleanableDirtyRatio) must lie between 0 and 1")
    }

    /// How old the active segment may grow before it rolls: `segment.ms`, or for a compacted log
    /// `max.compaction.lag.ms` when that is shorter (the active segment is never cleaned, as in Kafka).
    var effectiveSegmentMs: Int64 {
        cleanupPolicy.contains(.compact) ? min(segmentMs, maxCompactionLagMs) : segmentMs
    }
}
