import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import SpoolRecords
import Synchronization

/// The log of one topic partition: an ordered run of segments, offsets assigned on append, reads by offset
/// and by timestamp, flushes, retention and recovery.
///
/// Thread-safe. Locks, taken in this order: `maintenanceLock` serialises changes to the inactive segments;
/// `appendLock` serialises appends (and a segment roll with them); `lock` guards the segment list and the segments; the bounds are published through `published`, whose lock
/// no I/O ever holds, so reading `offsets` never waits on the disk. File I/O is blocking, so callers run these
/// methods on a thread pool (the `LogManager` does), never on an event loop. fsyncs, a roll's included, run
/// outside `lock`, so that reads and flushes continue while one is in progress.
public final class PartitionLog: @unchecked Sendable {
    /// Which partition this is.
    public let topicPartition: TopicPartition
    /// `<data-dir>/<topic>-<partition>`.
    public let directory: String
    /// The leader epoch stamped on appended batches (a single broker is always the leader, epoch 0).
    public let leaderEpoch: Int32 = 0

    /// Held across a whole append, a roll's I/O included, so that one partition's appends stay in order.
    let appendLock = NIOLock()
    let lock = NIOLock()
    /// Serialises changes to the inactive segments (retention, DeleteRecords, compaction's segment swap), taken
    /// before `lock`; appends never need it.
    let maintenanceLock = NIOLock()
    /// Called after each step of a compaction's segment swap, outside `lock`: lets a test stop a swap at any step.
    var swapStepHook: (@Sendable (SegmentSwapStep) throws(LogError) -> Void)?
    /// The bounds, written under `lock` and read from any thread.
    let published: PublishedOffsets
    /// The active segment's newest batches, for reads that need no I/O (`readRecent`).
    let recent = RecentBatches()
    var config: LogConfig
    var segments: [LogSegment]
    /// Called in a roll's I/O, outside `lock`: lets a test pause a roll and observe what stays available.
    var rollIOHook: (@Sendable () -> Void)?
    var offlineReason: String?
    /// Idempotent producers' state: only appends change it, so `appendLock` guards it.
    var producers = ProducerStateManager()
    /// Offsets of the producer snapshots on disk, oldest first.
    var snapshotOffsets: [Int64] = []
    let logger: Logger
    /// The broker-wide budget of disk reserved ahead of active segments' data.
    let reservations: DiskReservations
    /// How much the next reservation takes: it doubles while the partition keeps using them up.
    var reserveChunkBytes = DiskReservations.initialChunkBytes
    /// Broker-wide, not per partition: a histogram per partition would put thousands of series on `/metrics`
    /// (per-partition offsets and sizes are read from the log when scraped instead).
    let fsyncTimer = Metrics.Timer(label: "spool_log_fsync_seconds")

    init(topicPartition: TopicPartition, directory: String, config: LogConfig, segments: [LogSegment],
         logEndOffset: Int64, logger: Logger, reservations: DiskReservations)
    {
        precondition(!segments.isEmpty, "a partition log always has an active segment")
        self.topicPartition = topicPartition
        self.directory = directory
        self.config = config
        self.segments = segments
        self.published = PublishedOffsets(LogOffsets(
            logStartOffset: segments[0].baseOffset, recoveryPoint: logEndOffset, flushedOffset: logEndOffset,
            logEndOffset: logEndOffset))
        self.reservations = reservations
        var logger = logger
        logger[metadataKey: "partition"] = "\(topicPartition)"
        self.logger = logger
    }

    func locked<T>(_ body: () throws(LogError) -> T) throws(LogError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Why the log is offline (an fsync failed, or it is closed), or nil while it serves.
    public var offline: String? { lock.withLock { offlineReason } }

    /// The log's bounds, all from one moment; never waits on the disk, even during a roll or an fsync.
    public var offsets: LogOffsets { published.current }
    /// The first offset still held.
    public var logStartOffset: Int64 { published.current.logStartOffset }
    /// The offset the next appended record gets.
    public var logEndOffset: Int64 { published.current.logEndOffset }
    /// Every offset below this is on the device (fsynced).
    public var flushedOffset: Int64 { published.current.flushedOffset }
    /// Offsets below this need no check after a crash: their data and indexes were synced.
    public var recoveryPoint: Int64 { published.current.recoveryPoint }
    /// The end of what read_committed consumers see: below every open transaction's first offset.
    public var lastStableOffset: Int64 { published.current.lastStableOffset }
    // Shorthands for the log's own code, which holds `lock` wherever it uses them.
    var logStartOffsetValue: Int64 { published.current.logStartOffset }
    var logEndOffsetValue: Int64 { published.current.logEndOffset }
    var flushedOffsetValue: Int64 { published.current.flushedOffset }
    var recoveryPointValue: Int64 { published.current.recoveryPoint }
    /// The log's settings.
    public var logConfig: LogConfig { lock.withLock { config } }
    /// How many segments the log has.
    public var segmentCount: Int { lock.withLock { segments.count } }

    /// Bytes of record data in the log's segments (indexes left out). Sizes are kept in memory once known; a
    /// segment not opened since start-up is `stat`ed once, so call this on the I/O pool, not an event loop.
    public func sizeInBytes() -> Int {
        lock.withLock { segments.reduce(0) { $0 + ((try? $1.size()) ?? 0) } }
    }

    /// When the log was last appended to or read, on the manager's clock: idle logs give their descriptors back
    /// first when too many files are open.
    let lastUsed = Atomic<Int>(0)

    /// Closes every descriptor the log's segments and indexes hold; they reopen on the next append or read.
    /// Slices a fetch is still sending keep their own reference and stay readable.
    func releaseDescriptors() {
        lock.withLock {
            recent.clear()
            for segment in segments {
                segment.releaseFile()
                segment.offsetIndex.releaseFile()
                segment.timeIndex.releaseFile()
                segment.transactionIndex.releaseFile()
            }
        }
    }

    /// Refuses every later append: the partition is being deleted, and its directory is leaving the namespace.
    func markDeleted() {
        lock.withLock {
            offlineReason = offlineReason ?? "the partition was deleted"
            recent.clear()
            for segment in segments { segment.returnGrant() }
        }
    }

    /// Replaces the log's settings (they apply to the next append, roll and retention pass).
    /// - Parameter newConfig: the new settings.
    /// - Throws: `LogError.invalidArgument` when they are out of range.
    public func updateConfig(_ newConfig: LogConfig) throws(LogError) {
        try newConfig.validate()
        lock.withLock { config = newConfig }
    }

    /// Index of the segment that holds `offset` (the last with a base offset at or below it), or 0.
    func segmentIndex(for offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return max(low - 1, 0)
    }

    /// Appends one batch: checks it (CRC32C, record count, max.message.bytes), stamps LogAppendTime when the
    /// topic asks for it, assigns offsets from the log end offset, rolls the segment when due and writes.
    /// The write reaches the OS page cache; call `flush()` (or the manager's group commit) for durability.
    /// - Parameters:
    ///   - batch: a v2 record batch as the producer sent it.
    ///   - now: the wall clock in milliseconds; nil for the system clock (tests pass their own).
    /// - Returns: the offsets given and the log's new bounds.
    /// - Throws: `LogError.invalidBatch` when the batch is refused, `.storage` when the write fails (nothing is
    ///   left half-written), `.offline` after a failed fsync.
    public func append(_ batch: RecordBatch, now: Int64? = nil) throws(LogError) -> AppendInfo {
        let now = now ?? FileSystem.nowMs()
        let config = lock.withLock { self.config }
        do {
            try batch.validate(maxBytes: config.maxMessageBytes)
        } catch {
            throw .invalidBatch(error)
        }
        var batch = batch
        let stamped = config.timestampType == .logAppendTime
        if stamped { batch.stampLogAppendTime(now) }
        return try serialised { () throws(LogError) -> AppendInfo in
            let placed = try place(batch, now: now) { () throws(LogError) -> AppendInfo? in
                guard batch.producerId >= 0 else {
                    if batch.isTransactional {
                        throw .invalidBatch(.invalidRecord("a transactional batch needs a producer id"))
                    }
                    return nil
                }
                if case .duplicate(let original) = try checkProducer(batch) {
                    return AppendInfo(
                        baseOffset: original.firstOffset, lastOffset: original.lastOffset, logAppendTime: -1,
                        logStartOffset: logStartOffsetValue, logEndOffset: logEndOffsetValue, isDuplicate: true)
                }
                try producers.checkTransaction(producerId: batch.producerId, isTransactional: batch.isTransactional)
                return nil
            }
            switch placed {
            case .existing(let answer):
                return answer
            case .written(let written, let offsets):
                if batch.producerId >= 0 { recordProducer(written) }
                return AppendInfo(
                    baseOffset: written.baseOffset, lastOffset: written.lastOffset, logAppendTime: stamped ? now : -1,
                    logStartOffset: offsets.logStartOffset, logEndOffset: offsets.logEndOffset)
            }
        }
    }

    /// Whole batches starting with the one that holds `offset`, up to `maxBytes` (but at least that batch),
    /// as a slice of one segment file to send without copying.
    /// - Parameters:
    ///   - offset: the first offset wanted.
    ///   - maxBytes: the most bytes wanted; one whole batch is returned even when it is larger.
    /// - Returns: the slice (nil at the log end offset) and the log's bounds.
    /// - Throws: `LogError.offsetOutOfRange` below the log start offset or above the log end offset.
    public func read(from offset: Int64, maxBytes: Int) throws(LogError) -> LogReadInfo {
        try read(from: offset, maxBytes: maxBytes, committedOnly: false)
    }

    /// What `read(from:maxBytes:committedOnly:)` would answer, when that needs no I/O, or nil when it does: the
    /// offset is the log end offset (read_committed: the last stable offset), or among the active segment's most
    /// recent batches (read_committed: below the LSO, with no aborted transaction to list). Never reads a file or
    /// waits on the partition lock, so it may run on an event loop: a tailing consumer's fetch after each append
    /// (issue 19).
    /// - Parameters:
    ///   - offset: the first offset wanted.
    ///   - maxBytes: the most bytes wanted; one whole batch is returned even when it is larger.
    ///   - committedOnly: read_committed (librdkafka's default isolation level).
    public func readRecent(from offset: Int64, maxBytes: Int, committedOnly: Bool) -> LogReadInfo? {
        // The bounds before the batches: appends publish them in the other order (see `RecentBatches`).
        let bounds = published.current
        var result = LogReadInfo(
            slice: nil, logStartOffset: bounds.logStartOffset, logEndOffset: bounds.logEndOffset,
            lastStableOffset: bounds.lastStableOffset)
        guard offset >= bounds.logStartOffset else { return nil }
        let end = committedOnly ? bounds.lastStableOffset : bounds.logEndOffset
        if offset == end { return result }
        guard offset < end,
              let slice = recent.slice(from: offset, maxBytes: maxBytes, upTo: end, committedOnly: committedOnly)
        else { return nil }
        result.slice = slice
        return result
    }

    /// `read(from:maxBytes:)`; with `committedOnly` (read_committed), the slice ends at the last whole batch below
    /// the last stable offset, and is nil from the LSO on.
    public func read(from offset: Int64, maxBytes: Int, committedOnly: Bool) throws(LogError) -> LogReadInfo {
        try locked { () throws(LogError) -> LogReadInfo in
            let bounds = published.current
            var result = LogReadInfo(
                slice: nil, logStartOffset: bounds.logStartOffset, logEndOffset: bounds.logEndOffset,
                lastStableOffset: bounds.lastStableOffset)
            guard offset >= bounds.logStartOffset, offset <= bounds.logEndOffset else {
                throw .offsetOutOfRange(
                    offset: offset, logStartOffset: bounds.logStartOffset, logEndOffset: bounds.logEndOffset)
            }
            // The LSO lies on a batch boundary (an open transaction's first batch, or the log end offset), or at the
            // log start offset, where nothing is readable anyway.
            let upTo: Int64? = committedOnly && bounds.lastStableOffset < bounds.logEndOffset
                ? bounds.lastStableOffset : nil
            if let upTo, offset >= upTo { return result }
            // Empty batches only, up to the log end: sent when nothing else follows, so that the consumer moves past.
            var onlyEmpty: FileSlice?
            for index in segmentIndex(for: offset)..<segments.count {
                let segment = segments[index]
                // Past the LSO (a read from inside a range compaction removed can land there): nothing committed.
                if let upTo, segment.baseOffset >= upTo { break }
                let found = try withIndexRepair(segment, { (segment) throws(LogError) in
                    try segment.read(from: offset, maxBytes: maxBytes, upTo: upTo)
                })
                switch found {
                case .batches(let first, let length):
                    if let upTo, first.baseOffset >= upTo {
                        result.slice = onlyEmpty
                        return result
                    }
                    guard let file = segment.file else { break }
                    result.slice = FileSlice(
                        file: file, position: first.position, length: length, firstOffset: first.baseOffset)
                    return result
                case .onlyEmpty(let first):
                    if onlyEmpty == nil, let file = segment.file {
                        onlyEmpty = FileSlice(
                            file: file, position: first.position, length: first.size, firstOffset: first.baseOffset)
                    }
                    continue
                case nil:
                    break
                }
                // Moving on is right only when the offset lies past this segment's data. Compaction removes records
                // inside a segment but keeps its last batch, so a segment still ends where the next begins, and a
                // read inside a removed range finds the next batch kept; a segment that ends early lost data.
                if index + 1 < segments.count, offset < segments[index + 1].baseOffset {
                    let error = LogError.damagedSegment(
                        path: segment.logPath,
                        "offset \(offset) is below the next segment's base offset \(segments[index + 1].baseOffset) "
                            + "but missing from this segment")
                    logger.error("read found a gap in the log", metadata: ["error": "\(error)"])
                    throw error
                }
            }
            result.slice = onlyEmpty
            return result
        }
    }

    /// The first record whose timestamp is at least `timestamp`, with that record's timestamp (ListOffsets by
    /// time, as Kafka answers it), or nil when every record is older. Records below the log start offset are never
    /// the answer; with LogAppendTime every record of a batch has the batch's time. Blocks on reads: call it off
    /// the event loops.
    /// - Parameter timestamp: milliseconds since the epoch.
    /// - Throws: `LogError.storage` when a segment cannot be read, `.damagedSegment` when its records do not read.
    public func offset(forTimestamp timestamp: Int64) throws(LogError) -> TimestampOffset? {
        try locked { () throws(LogError) -> TimestampOffset? in
            for segment in segments where try segment.largestTimestamp() >= timestamp {
                if let found = try withIndexRepair(segment, { (segment) throws(LogError) in
                    try segment.firstRecord(withTimestampAtLeast: timestamp, atOrAfter: logStartOffsetValue)
                }) {
                    return found
                }
            }
            return nil
        }
    }

    /// The first record with the largest timestamp in the log (ListOffsets MAX_TIMESTAMP), with that timestamp, or
    /// nil when the log is empty: the segments' trackers find the segment, its records decide (as Kafka answers since
    /// KIP-734, the record rather than its batch).
    /// - Throws: `LogError.storage` when a segment cannot be read.
    public func maxTimestampOffset() throws(LogError) -> TimestampOffset? {
        try locked { () throws(LogError) -> TimestampOffset? in
            var best: (segment: LogSegment, timestamp: Int64)?
            for segment in segments {
                let largest = try segment.largestTimestamp()
                if largest >= 0, largest > (best?.timestamp ?? -1) { best = (segment, largest) }
            }
            guard let best else { return nil }
            return try withIndexRepair(best.segment) { (segment) throws(LogError) in
                try segment.firstRecord(withTimestampAtLeast: best.timestamp, atOrAfter: logStartOffsetValue)
            }
        }
    }
}
