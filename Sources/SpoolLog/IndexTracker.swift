/// Decides the sparse index entries as batches are appended (or re-read during recovery): an offset entry
/// when more than `index.interval.bytes` were written since the last one, with a time entry when the
/// largest timestamp grew since the last time entry. A plain value; not shared.
struct IndexTracker {
    let baseOffset: Int64
    let intervalBytes: Int
    /// The largest batch max timestamp so far, -1 when none.
    private(set) var maxTimestamp: Int64 = -1
    /// Base offset of the batch that holds `maxTimestamp`.
    private(set) var offsetOfMaxTimestamp: Int64
    private(set) var bytesSinceLastEntry = 0
    private var lastTimeEntryTimestamp: Int64 = -1

    init(baseOffset: Int64, intervalBytes: Int) {
        self.baseOffset = baseOffset
        self.intervalBytes = intervalBytes
        self.offsetOfMaxTimestamp = baseOffset
    }

    /// Continues from indexes loaded from disk, with `bytesAfterLastEntry` of log after the last offset entry.
    mutating func resume(lastTimeEntry: TimeIndexEntry?, bytesAfterLastEntry: Int) {
        if let lastTimeEntry {
            maxTimestamp = lastTimeEntry.timestamp
            offsetOfMaxTimestamp = baseOffset + Int64(lastTimeEntry.relativeOffset)
            lastTimeEntryTimestamp = lastTimeEntry.timestamp
        }
        bytesSinceLastEntry = bytesAfterLastEntry
    }

    /// Accounts for a batch's timestamp without indexing it (batches scanned after the last entry).
    mutating func observe(_ info: BatchInfo) {
        if info.maxTimestamp > maxTimestamp {
            maxTimestamp = info.maxTimestamp
            offsetOfMaxTimestamp = info.baseOffset
        }
    }

    /// Records `info` (a batch just placed at `info.position`) and returns the entries to add for it.
    mutating func add(_ info: BatchInfo) -> (offset: OffsetIndexEntry?, time: TimeIndexEntry?) {
        observe(info)
        defer { bytesSinceLastEntry += info.size }
        guard info.position > 0, bytesSinceLastEntry > intervalBytes || intervalBytes == 0 else { return (nil, nil) }
        bytesSinceLastEntry = 0
        let offsetEntry = OffsetIndexEntry(
            relativeOffset: relativeOffset(info.baseOffset), position: Self.indexPosition(info.position))
        return (offsetEntry, takeTimeEntry())
    }

    /// A time entry for the largest timestamp so far if it grew since the last one (also used when a
    /// segment becomes inactive, so that its time index ends with its largest timestamp).
    mutating func takeTimeEntry() -> TimeIndexEntry? {
        guard maxTimestamp >= 0, maxTimestamp > lastTimeEntryTimestamp else { return nil }
        lastTimeEntryTimestamp = maxTimestamp
        return TimeIndexEntry(timestamp: maxTimestamp, relativeOffset: relativeOffset(offsetOfMaxTimestamp))
    }

    /// `offset` relative to the segment, as an index stores it. Callers place only batches that passed
    /// `StoredBatchIntegrity.indexable` (the roll keeps appends within range), so one that does not fit is a bug:
    /// truncating it would point the index at another batch.
    private func relativeOffset(_ offset: Int64) -> UInt32 {
        let relative = offset - baseOffset
        precondition(relative >= 0 && relative <= Int64(Int32.max), "offset \(offset) outside segment \(baseOffset)")
        return UInt32(relative)
    }

    /// A byte position as an index stores it; see `relativeOffset(_:)` for why a misfit is a precondition.
    private static func indexPosition(_ position: Int) -> UInt32 {
        guard let stored = UInt32(exactly: position) else {
            preconditionFailure("position \(position) does not fit a 32-bit index entry")
        }
        return stored
    }
}
