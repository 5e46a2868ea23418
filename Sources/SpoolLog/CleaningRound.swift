import CSpoolIO
import Glibc
import Logging
import NIOCore
import SpoolRecords

/// What one cleaning round did, for the log line, the metrics and tests.
public struct CleaningStats: Sendable, Equatable {
    /// Bytes of log read (the dirty section twice: once to map it, once to rewrite it).
    public var bytesRead = 0
    /// Bytes of cleaned segments written.
    public var bytesWritten = 0
    /// Bytes the log is smaller by.
    public var bytesReclaimed: Int { max(sourceBytes - bytesWritten, 0) }
    /// Bytes of the segments rewritten.
    public var sourceBytes = 0
    /// Records dropped: superseded, expired tombstones, keyless records and records of aborted transactions.
    public var recordsRemoved = 0
    /// Records kept.
    public var recordsKept = 0
    /// Batches rebuilt or dropped (the others were copied as they were).
    public var batchesChanged = 0
    /// Segments rewritten, and the segments they became.
    public var segmentsCleaned = 0
    public var segmentsWritten = 0
    /// The offset the next round's dirty section starts at.
    public var endOffset: Int64 = 0
    /// How full the offset map ended, 0 to 1.
    public var mapUtilization = 0.0
}

/// Why a round stopped before its end.
enum CleaningAbort: Error {
    /// Shutdown, the log went offline or was deleted, or its policy no longer compacts.
    case stopped
    /// Retention or DeleteRecords removed segments the round was rewriting; the next round starts over.
    case segmentsChanged
}

/// One round of compaction over one log (Kafka's `Cleaner.doClean`): map the dirty section's keys to their latest
/// offsets, then rewrite the log's inactive segments from its start up to where the map ends, group by group,
/// keeping each key's latest record, and swap each group's cleaned segment in. Runs on the cleaner's thread; reads
/// the segments through descriptors of its own and touches the log's state only under its locks.
struct CleaningRound {
    let log: PartitionLog
    let view: CleaningView
    let map: OffsetMap
    let throttler: Throttler
    let now: Int64
    let ioBufferBytes: Int
    let shouldStop: () -> Bool
    let logger: Logger
    /// The largest decompressed records section read: produce bounded them when they were written.
    static let maximumSectionBytes = Int(Int32.max)

    /// Runs the round over `firstDirty..<firstUncleanable`.
    /// - Returns: what it did.
    /// - Throws: `CleaningAbort` when stopped, `LogError` on I/O errors or unreadable data.
    func run(firstDirty: Int64, firstUncleanable: Int64) throws -> CleaningStats {
        var stats = CleaningStats()
        map.clear()
        let aborted = AbortedRanges(try log.abortedTransactions(from: view.logStartOffset, upTo: firstUncleanable))
        let endOffset = try buildMap(from: firstDirty, to: firstUncleanable, aborted: aborted, stats: &stats)
        stats.endOffset = endOffset
        stats.mapUtilization = map.utilization
        let producerLast = log.producerLastOffsets()
        for group in groups(below: endOffset) {
            try clean(group, latestMapped: endOffset - 1, producerLast: producerLast, aborted: aborted, stats: &stats)
        }
        return stats
    }

    // MARK: Mapping

    /// Maps the keys of records in `from..<to` to their latest offsets, until the map is full. Records of aborted
    /// transactions are not mapped: an aborted value must never make the committed one before it look superseded.
    /// - Returns: the offset after the last record mapped (the round's end offset).
    private func buildMap(from firstDirty: Int64, to limit: Int64, aborted: AbortedRanges,
                          stats: inout CleaningStats) throws -> Int64
    {
        var mappedUpTo = firstDirty
        // One batch's keys, hashed and their slots loaded together before they are put (see OffsetMap).
        var hashes: [OffsetMap.KeyHash] = []
        var offsets: [Int64] = []
        for segment in view.segments where segment.nextOffset > firstDirty && segment.baseOffset < limit {
            var stopped = false
            stats.bytesRead += try forEachBatch(of: segment) { info, batch in
                if info.lastOffset < firstDirty { return true }
                if info.baseOffset >= limit {
                    stopped = true
                    return false
                }
                if !batch.isControl && !aborted.contains(batch) {
                    guard map.hasRoom(for: Int(batch.recordsCount)) else {
                        guard mappedUpTo > firstDirty else {
                            throw LogError.invalidArgument(
                                "log.cleaner.dedupe.buffer.size is too small for one batch of \(batch.recordsCount) "
                                    + "records at offset \(batch.baseOffset)")
                        }
                        stopped = true
                        return false
                    }
                    let section = try StoredRecords.recordsSection(of: batch, maximumSize: Self.maximumSectionBytes)
                    hashes.removeAll(keepingCapacity: true)
                    offsets.removeAll(keepingCapacity: true)
                    try StoredRecords.forEach(in: section, count: Int(batch.recordsCount)) { record in
                        let offset = batch.baseOffset + Int64(record.layout.offsetDelta)
                        if let key = record.key, offset >= firstDirty {
                            hashes.append(map.hash(key))
                            offsets.append(offset)
                        }
                    }
                    map.prefetch(hashes)
                    for (hash, offset) in zip(hashes, offsets) { map.put(hash, offset: offset) }
                }
                mappedUpTo = info.nextOffset
                return true
            }
            if stopped { return min(mappedUpTo, limit) }
            // Past the segment's last batch the offsets up to the next segment hold nothing to map.
            mappedUpTo = min(segment.nextOffset, limit)
        }
        return mappedUpTo
    }

    // MARK: Grouping

    /// The inactive segments below `endOffset`, in groups that each become one cleaned segment: at most
    /// `segment.bytes` together, spanning at most Int32.max offsets (the indexes' relative offsets). An empty
    /// segment is left alone and ends a group (a cleaned segment always ends with its last source's last batch).
    private func groups(below endOffset: Int64) -> [[CleaningView.Segment]] {
        var groups: [[CleaningView.Segment]] = []
        var current: [CleaningView.Segment] = []
        var bytes = 0
        for segment in view.segments where segment.baseOffset < endOffset {
            if segment.size == 0 {
                if !current.isEmpty { groups.append(current) }
                current = []
                bytes = 0
                continue
            }
            if let first = current.first,
               bytes + segment.size > view.config.segmentBytes
                || segment.nextOffset - 1 - first.baseOffset > Int64(Int32.max)
            {
                groups.append(current)
                current = []
                bytes = 0
            }
            current.append(segment)
            bytes += segment.size
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    // MARK: Rewriting

    /// Rewrites one group into a cleaned segment and swaps it in.
    private func clean(_ group: [CleaningView.Segment], latestMapped: Int64, producerLast: [Int64: Int64],
                       aborted: AbortedRanges, stats: inout CleaningStats) throws
    {
        guard let first = group.first else { return }
        let writer = try CleanedSegmentWriter(
            directory: log.directory, baseOffset: first.baseOffset,
            indexIntervalBytes: view.config.indexIntervalBytes)
        var swapped = false
        defer { if !swapped { writer.discard() } }
        var round = stats
        let changedBefore = stats.batchesChanged
        for (index, segment) in group.enumerated() {
            round.sourceBytes += segment.size
            let read = try forEachBatch(of: segment) { info, batch in
                let isLastOfGroup = index == group.count - 1 && info.end == segment.size
                if let output = try filter(
                    batch, latestMapped: latestMapped, producerLast: producerLast, keepEmpty: isLastOfGroup,
                    aborted: aborted.contains(batch), stats: &round)
                {
                    try writer.append(output)
                    try account(written: output.readableBytes, stats: &round)
                }
                return true
            }
            round.bytesRead += read
        }
        if group.count == 1 && round.batchesChanged == changedBefore {
            stats = round  // nothing to remove and nothing to merge: the segment stays as it is
            return
        }
        try writer.finish()
        guard try log.replaceSegments(group.map(\.segment)) else { throw CleaningAbort.segmentsChanged }
        swapped = true
        round.segmentsCleaned += group.count
        round.segmentsWritten += 1
        stats = round
    }

    /// The batch to write in place of `batch`: itself when every record stays, a rebuilt batch when some go or
    /// its tombstones get their delete horizon, an empty batch when none stays but the batch must (an idempotent
    /// producer's last, or the group's last, which keeps the segments meeting end to end), or nil. Every record of
    /// an aborted transaction goes (the cleaned range lies below the last stable offset, so each transaction in it
    /// has its marker); markers stay, so that recovery and read_committed readers still see each transaction end.
    private func filter(_ batch: RecordBatch, latestMapped: Int64, producerLast: [Int64: Int64], keepEmpty: Bool,
                        aborted: Bool, stats: inout CleaningStats) throws -> ByteBuffer?
    {
        if batch.isControl { return batch.buffer }
        let section = try StoredRecords.recordsSection(of: batch, maximumSize: Self.maximumSectionBytes)
        let horizonPassed = batch.deleteHorizonMs.map { now >= $0 } ?? false
        // The records first, their keys hashed and their slots loaded together (see OffsetMap); then the lookups.
        var records: [(layout: StoredRecordLayout, offset: Int64, hash: OffsetMap.KeyHash?, tombstone: Bool)] = []
        records.reserveCapacity(Int(batch.recordsCount))
        var hashes: [OffsetMap.KeyHash] = []
        hashes.reserveCapacity(Int(batch.recordsCount))
        try StoredRecords.forEach(in: section, count: Int(batch.recordsCount)) { record in
            let offset = batch.baseOffset + Int64(record.layout.offsetDelta)
            var hash: OffsetMap.KeyHash?
            if offset <= latestMapped, let key = record.key {
                let keyHash = map.hash(key)
                hashes.append(keyHash)
                hash = keyHash
            }
            records.append((record.layout, offset, hash, record.isTombstone))
        }
        map.prefetch(hashes)
        var kept: [StoredRecordLayout] = []
        kept.reserveCapacity(records.count)
        var removed = 0
        var cleanedTombstone = false
        for record in records {
            let keep: Bool
            if aborted {
                keep = false
            } else if record.offset > latestMapped {
                keep = true
            } else if let hash = record.hash {
                if let latest = map.get(hash), record.offset < latest {
                    keep = false
                } else if record.tombstone {
                    keep = !horizonPassed
                    cleanedTombstone = cleanedTombstone || keep
                } else {
                    keep = true
                }
            } else {
                keep = false  // keyless: written before the topic became compacted, as Kafka drops them
            }
            if keep { kept.append(record.layout) } else { removed += 1 }
        }
        stats.recordsRemoved += removed
        stats.recordsKept += kept.count
        // KIP-534: a tombstone stays for delete.retention.ms after the first cleaning that reached it.
        let horizon = cleanedTombstone && !batch.hasDeleteHorizon ? now + view.config.deleteRetentionMs : nil
        if removed == 0 && horizon == nil { return batch.buffer }
        stats.batchesChanged += 1
        if kept.isEmpty {
            let producerKeeps = batch.producerId >= 0 && producerLast[batch.producerId] == batch.lastOffset
            guard keepEmpty || producerKeeps else { return nil }
        }
        return try StoredRecords.rebuild(batch, section: section, kept: kept, deleteHorizon: horizon)
    }

    /// Calls `body` with each batch of `segment`, read through a descriptor of the round's own and checked whole
    /// (CRC32C), until it returns false.
    /// - Returns: the bytes read.
    @discardableResult
    private func forEachBatch(of segment: CleaningView.Segment,
                              _ body: (BatchInfo, RecordBatch) throws -> Bool) throws -> Int
    {
        var read = 0
        let file: LogFile
        do {
            file = try LogFile(path: segment.logPath, create: false)
        } catch {
            // Retention or DeleteRecords removed it since the round's view: the round starts over later.
            if !log.holds(segment.segment) { throw CleaningAbort.segmentsChanged }
            throw error
        }
        var scanner = BatchScanner(file: file, from: 0, to: segment.size, verify: true, chunkSize: ioBufferBytes)
        while true {
            switch try scanner.next() {
            case .end:
                return read
            case .invalid(let reason):
                throw LogError.damagedSegment(path: segment.logPath, reason)
            case .batch(let info):
                read += info.size
                throttler.account(info.size)
                if shouldStop() { throw CleaningAbort.stopped }
                guard let bytes = scanner.lastBatchBytes, try body(info, try RecordBatch(buffer: bytes)) else {
                    return read
                }
            }
        }
    }

    private func account(written bytes: Int, stats: inout CleaningStats) throws {
        stats.bytesWritten += bytes
        throttler.account(bytes)
    }
}

/// Writes one cleaned segment as `B.log.cleaned` with its indexes (`.index.cleaned`, `.timeindex.cleaned`), batches
/// at their original offsets, writes gathered into large ones. Not thread-safe: one round owns it.
final class CleanedSegmentWriter {
    private let directory: String
    private let stem: String
    private let file: LogFile
    private var tracker: IndexTracker
    private var offsetEntries: [OffsetIndexEntry] = []
    private var timeEntries: [TimeIndexEntry] = []
    private var pending = ByteBuffer()
    private var position = 0
    private static let writeBytes = 1 << 20

    init(directory: String, baseOffset: Int64, indexIntervalBytes: Int) throws(LogError) {
        self.directory = directory
        stem = directory + "/" + LogFileName.prefix(baseOffset)
        file = try LogFile(path: stem + LogFileName.logSuffix + LogFileName.cleanedSuffix, create: true)
        try file.truncate(to: 0)
        tracker = IndexTracker(baseOffset: baseOffset, intervalBytes: indexIntervalBytes)
    }

    /// Appends one whole batch.
    func append(_ batch: ByteBuffer) throws {
        let header = try RecordBatch(headerOf: batch)
        let start = position + pending.readableBytes
        let info = BatchInfo(
            position: start, size: batch.readableBytes, baseOffset: header.baseOffset, lastOffset: header.lastOffset,
            maxTimestamp: header.maxTimestamp, leaderEpoch: header.partitionLeaderEpoch)
        do throws(StoredBatchIntegrity.Violation) {
            try StoredBatchIntegrity.indexable(info, segmentBase: tracker.baseOffset)
        } catch {
            throw LogError.invalidArgument("cleaned segment \(stem) cannot hold a batch: \(error)")
        }
        let entries = tracker.add(info)
        if let entry = entries.offset { offsetEntries.append(entry) }
        if let entry = entries.time { timeEntries.append(entry) }
        pending.writeImmutableBuffer(batch)
        if pending.readableBytes >= Self.writeBytes { try drain() }
    }

    private func drain() throws(LogError) {
        guard pending.readableBytes > 0 else { return }
        try file.write(pending, at: position)
        // Writeback starts as the segment is written, so the final fsync is short and the disk never holds a
        // segment's worth of dirty pages for one burst (which would stall the group commit's fsyncs behind it).
        // A failure only leaves the work to that fsync.
        _ = spool_start_writeback(file.descriptor, Int64(position), Int64(pending.readableBytes))
        position += pending.readableBytes
        pending.clear()
    }

    /// Writes what is pending, the indexes, and fsyncs all three files.
    func finish() throws(LogError) {
        try drain()
        try file.sync()
        if let entry = tracker.takeTimeEntry() { timeEntries.append(entry) }
        let offsets = SparseIndex<OffsetIndexEntry>(path: stem + LogFileName.indexSuffix + LogFileName.cleanedSuffix)
        try offsets.reset(to: offsetEntries)
        try offsets.sync(close: true)
        let times = SparseIndex<TimeIndexEntry>(path: stem + LogFileName.timeIndexSuffix + LogFileName.cleanedSuffix)
        try times.reset(to: timeEntries)
        try times.sync(close: true)
    }

    /// Removes the cleaned files (a round that did not swap them in).
    func discard() {
        for suffix in [LogFileName.logSuffix, LogFileName.indexSuffix, LogFileName.timeIndexSuffix] {
            try? FileSystem.remove(stem + suffix + LogFileName.cleanedSuffix)
        }
    }
}

/// Holds the cleaner to `log.cleaner.io.max.bytes.per.second` by sleeping its thread once it is ahead of the rate
/// (Kafka's `Throttler`). Not thread-safe: the cleaner's one thread owns it.
final class Throttler {
    private let bytesPerSecond: Double
    private var windowStart = ContinuousClock.now
    private var windowBytes = 0

    init(bytesPerSecond: Double) { self.bytesPerSecond = bytesPerSecond }

    func account(_ bytes: Int) {
        guard bytesPerSecond.isFinite else { return }
        windowBytes += bytes
        let elapsed = ContinuousClock.now - windowStart
        let due = Duration.seconds(Double(windowBytes) / bytesPerSecond)
        if due > elapsed {
            let (seconds, attoseconds) = (due - elapsed).components
            usleep(UInt32(min(seconds * 1_000_000 + attoseconds / 1_000_000_000_000, 1_000_000)))
        }
        if ContinuousClock.now - windowStart > .seconds(1) {
            windowStart = ContinuousClock.now
            windowBytes = 0
        }
    }
}

/// The aborted transactions of a log, by producer: which transactional batches a round may drop whole.
struct AbortedRanges {
    private let byProducer: [Int64: [ClosedRange<Int64>]]

    init(_ aborted: [AbortedTransaction]) {
        var byProducer: [Int64: [ClosedRange<Int64>]] = [:]
        for entry in aborted where entry.firstOffset <= entry.lastOffset {
            byProducer[entry.producerId, default: []].append(entry.firstOffset...entry.lastOffset)
        }
        self.byProducer = byProducer
    }

    /// Whether `batch` is a data batch of an aborted transaction (between its first offset and its abort marker).
    func contains(_ batch: RecordBatch) -> Bool {
        guard batch.isTransactional, !batch.isControl, let ranges = byProducer[batch.producerId] else { return false }
        return ranges.contains { $0.contains(batch.baseOffset) }
    }
}
