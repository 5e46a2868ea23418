import NIOCore
import SpoolRecords

/// One segment of a partition log: a `.log` file of record batches from `baseOffset` on, with its sparse
/// `.index` (offset → position) and `.timeindex` (timestamp → offset).
///
/// Files are opened and indexes loaded lazily, so that start-up costs nothing per segment. Not thread-safe:
/// the owning `PartitionLog` serialises every call.
final class LogSegment {
    let baseOffset: Int64
    let directory: String
    let offsetIndex: SparseIndex<OffsetIndexEntry>
    let timeIndex: SparseIndex<TimeIndexEntry>
    /// `.txnindex`, the aborted transactions whose marker lies here; created on the first abort, loaded on first use.
    let transactionIndex: SparseIndex<AbortedTransaction>
    var transactionIndexLoaded = false
    var file: LogFile?
    private var knownSize: Int?
    private var indexesLoaded = false
    private var timeIndexLoaded = false
    var tracker: IndexTracker
    /// Disk reserved from the file's start (see `LogFile.preallocate`), so appends do not allocate blocks.
    var reservedBytes = 0
    /// The part of the broker-wide budget this segment holds (see `reserve(_:chunk:from:)`).
    var grantedBytes = 0
    var reservations: DiskReservations?
    /// When the segment started, for `segment.ms`: the first append's wall clock, or after a restart the
    /// first batch's timestamp.
    var rollingBasedTimestamp: Int64?
    /// Set while compaction renames the segment's files away: its descriptor must stay open, since its path no
    /// longer names it (`releaseFile()` does nothing meanwhile).
    var pinned = false

    init(directory: String, baseOffset: Int64, indexIntervalBytes: Int) {
        self.directory = directory
        self.baseOffset = baseOffset
        self.tracker = IndexTracker(baseOffset: baseOffset, intervalBytes: indexIntervalBytes)
        let prefix = directory + "/" + LogFileName.prefix(baseOffset)
        self.offsetIndex = SparseIndex(path: prefix + LogFileName.indexSuffix)
        self.timeIndex = SparseIndex(path: prefix + LogFileName.timeIndexSuffix)
        self.transactionIndex = SparseIndex(path: prefix + LogFileName.txnIndexSuffix)
    }

    deinit { reservations?.release(grantedBytes) }

    var logPath: String { directory + "/" + LogFileName.prefix(baseOffset) + LogFileName.logSuffix }

    /// Creates the segment's files, empty. An existing non-empty `.log` of that name is refused.
    static func create(directory: String, baseOffset: Int64, indexIntervalBytes: Int) throws(LogError) -> LogSegment {
        let segment = LogSegment(directory: directory, baseOffset: baseOffset, indexIntervalBytes: indexIntervalBytes)
        let file = try LogFile(path: segment.logPath, create: true)
        guard try file.size() == 0 else {
            throw .invalidArgument("segment \(segment.logPath) already exists and is not empty")
        }
        segment.file = file
        segment.knownSize = 0
        try segment.offsetIndex.reset(to: [])
        try segment.timeIndex.reset(to: [])
        segment.indexesLoaded = true
        segment.timeIndexLoaded = true
        return segment
    }

    /// The `.log` size in bytes (a `stat` when the file is not open yet).
    func size() throws(LogError) -> Int {
        if let knownSize { return knownSize }
        guard let size = FileSystem.fileSize(logPath) else { throw .storage("stat", path: logPath, errno: 2) }
        knownSize = size
        return size
    }

    /// Opens the log file and loads the indexes, rebuilding any that is missing or inconsistent.
    @discardableResult
    func open() throws(LogError) -> LogFile {
        let file: LogFile
        if let opened = self.file {
            file = opened
        } else {
            file = try LogFile(path: logPath, create: false)
            self.file = file
            knownSize = try file.size()
        }
        if !indexesLoaded {
            let size = try self.size()
            let offsetsLoaded = try offsetIndex.load()
            let timesLoaded = try timeIndex.load()
            let loaded = offsetsLoaded && timesLoaded
            if loaded && indexesAreConsistent(size: size) {
                let lastPosition = offsetIndex.entries.last.map { Int($0.position) } ?? 0
                tracker.resume(lastTimeEntry: timeIndex.entries.last, bytesAfterLastEntry: size - lastPosition)
            } else {
                _ = try rebuild(verify: false, leaderEpochs: nil)
            }
            indexesLoaded = true
            timeIndexLoaded = true
        }
        return file
    }

    private func openFile() throws(LogError) -> LogFile {
        try LogFile(path: logPath, create: false)
    }

    /// The largest timestamp in the segment, reading only the time index when the segment is not open.
    func largestTimestamp() throws(LogError) -> Int64 {
        if !timeIndexLoaded {
            if try timeIndex.load(), timeIndexIsOrdered() {
                tracker.resume(lastTimeEntry: timeIndex.entries.last, bytesAfterLastEntry: 0)
                timeIndexLoaded = true
            } else {
                try open()
            }
        }
        return tracker.maxTimestamp
    }

    private func timeIndexIsOrdered() -> Bool {
        zip(timeIndex.entries, timeIndex.entries.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp }
    }

    private func indexesAreConsistent(size: Int) -> Bool {
        let offsets = offsetIndex.entries
        let ordered = zip(offsets, offsets.dropFirst()).allSatisfy {
            $0.relativeOffset < $1.relativeOffset && $0.position < $1.position
        }
        let inBounds = offsets.last.map { Int($0.position) < size } ?? true
        return ordered && inBounds && timeIndexIsOrdered()
    }

    /// Result of re-reading a segment from its first byte.
    struct RebuildResult {
        /// Bytes of whole, valid batches.
        var validBytes: Int
        /// Bytes cut off after them.
        var truncatedBytes: Int
        /// The offset after the last valid batch, or nil when the segment holds none.
        var nextOffset: Int64?
        /// The last valid batch's leader epoch.
        var lastLeaderEpoch: Int32?
        /// Why the scan stopped early, when it did.
        var problem: String?
    }

    /// Re-reads the whole segment and rebuilds both indexes. Every batch is checked against `StoredBatchIntegrity`
    /// (never the client rules); with `verify` (crash recovery), each batch's CRC32C too, leader epochs must lie in `leaderEpochs`, and the file is truncated after the last
    /// valid batch.
    func rebuild(verify: Bool, leaderEpochs: ClosedRange<Int32>?) throws(LogError) -> RebuildResult {
        let file: LogFile
        if let opened = self.file { file = opened } else { file = try openFile() }
        self.file = file
        let size = try file.size()
        var scanner = BatchScanner(file: file, from: 0, to: size, verify: verify)
        var tracker = IndexTracker(baseOffset: baseOffset, intervalBytes: self.tracker.intervalBytes)
        var offsetEntries: [OffsetIndexEntry] = []
        var timeEntries: [TimeIndexEntry] = []
        var result = RebuildResult(validBytes: 0, truncatedBytes: 0)
        var epochFloor = leaderEpochs?.lowerBound ?? Int32.min
        scan: while true {
            switch try scanner.next() {
            case .end:
                break scan
            case .invalid(let reason):
                result.problem = reason
                break scan
            case .batch(let info):
                // The scanner checked every later batch against the one before it; `indexable` checks that the
                // first lies at or above the base (above it when compaction removed the segment's first batches).
                do throws(StoredBatchIntegrity.Violation) {
                    try StoredBatchIntegrity.indexable(info, segmentBase: baseOffset)
                } catch {
                    result.problem = "batch at position \(info.position): \(error)"
                    break scan
                }
                if verify, let leaderEpochs {
                    if info.leaderEpoch < epochFloor || info.leaderEpoch > leaderEpochs.upperBound {
                        result.problem = "batch at position \(info.position) has leader epoch \(info.leaderEpoch)"
                        break scan
                    }
                    epochFloor = info.leaderEpoch
                }
                let entries = tracker.add(info)
                if let entry = entries.offset { offsetEntries.append(entry) }
                if let entry = entries.time { timeEntries.append(entry) }
                result.validBytes = info.end
                result.nextOffset = info.nextOffset
                result.lastLeaderEpoch = info.leaderEpoch
                if rollingBasedTimestamp == nil { rollingBasedTimestamp = info.maxTimestamp }
            }
        }
        result.truncatedBytes = size - result.validBytes
        // Truncating even to the same size frees the blocks a crashed run reserved beyond the data.
        if verify { try file.truncate(to: result.validBytes) }
        knownSize = verify ? result.validBytes : size
        try offsetIndex.reset(to: offsetEntries)
        try timeIndex.reset(to: timeEntries)
        self.tracker = tracker
        indexesLoaded = true
        timeIndexLoaded = true
        return result
    }

    /// Appends a validated batch at the end of the file with its base offset and leader epoch rewritten on
    /// the way out (the 61-byte header is copied; record bytes are written from the caller's buffer).
    /// On a failed write the file is cut back, so nothing partial stays behind.
    /// - Returns: where the batch landed.
    func append(_ batch: RecordBatch, baseOffset newBaseOffset: Int64, leaderEpoch: Int32, now: Int64) throws(LogError)
        -> BatchInfo
    {
        let file = try open()
        let position = try size()
        var header = batch.buffer.getSlice(at: batch.buffer.readerIndex, length: RecordBatch.headerSize) ?? ByteBuffer()
        header.setInteger(newBaseOffset, at: header.readerIndex)
        header.setInteger(leaderEpoch, at: header.readerIndex + 12)
        let body = batch.buffer.getSlice(
            at: batch.buffer.readerIndex + RecordBatch.headerSize, length: batch.sizeInBytes - RecordBatch.headerSize)
        do {
            try header.withUnsafeReadableBytes { (headerBytes) throws(LogError) in
                try (body ?? ByteBuffer()).withUnsafeReadableBytes { (bodyBytes) throws(LogError) in
                    try file.write([headerBytes, bodyBytes], at: position)
                }
            }
            let info = BatchInfo(
                position: position, size: batch.sizeInBytes, baseOffset: newBaseOffset,
                lastOffset: newBaseOffset + Int64(batch.lastOffsetDelta), maxTimestamp: batch.maxTimestamp,
                leaderEpoch: leaderEpoch, producerId: batch.producerId, producerEpoch: batch.producerEpoch,
                baseSequence: batch.baseSequence, recordsCount: batch.recordsCount, attributes: batch.attributes)
            var tracker = self.tracker
            let entries = tracker.add(info)
            if let entry = entries.offset { try offsetIndex.append(entry) }
            if let entry = entries.time { try timeIndex.append(entry) }
            self.tracker = tracker
            knownSize = position + info.size
            if rollingBasedTimestamp == nil { rollingBasedTimestamp = now }
            return info
        } catch {
            try? file.truncate(to: position)
            throw error
        }
    }
}
