import NIOCore
import Synchronization

/// Where the active segment's most recent batches lie: each append publishes its batch's offset and position here,
/// so that a read of them (what a tailing consumer asks for) finds its slice without reading the file, waiting on
/// the partition lock or leaving the event loop (issue 19: it saves a caught-up consumer's fetch a trip to the I/O
/// pool after every append).
///
/// Writers publish the log's bounds first and the batch here after; readers take the bounds first and clamp what
/// they find here to them, so a read never returns a batch past the bounds it reports. An aborted transaction's
/// marker is noted here before the last stable offset moves past it, so a read_committed reader that sees the new
/// LSO also sees that it must list the transaction (and leaves that read to the files).
///
/// It holds a reference to the active segment's file, so it is cleared whenever the segment gives its descriptor
/// back (a roll, or `PartitionLog.releaseDescriptors` when too many files are open). Thread-safe: the lock is held
/// only to copy or extend a few integers, never across I/O.
final class RecentBatches: Sendable {
    /// One appended batch: its base offset and where it starts in the file.
    struct Entry: Sendable {
        var baseOffset: Int64
        var position: Int
    }

    /// The batches of one file, contiguous: each ends where the next starts, the last at `endPosition`.
    struct Run: Sendable {
        let file: LogFile
        var entries: CircularBuffer<Entry>
        var endPosition: Int
        var nextOffset: Int64
        /// The offset of the newest abort marker among the batches, or -1: a read_committed read from at or below
        /// it must list that aborted transaction, which only the transaction index knows.
        var lastAbortMarker: Int64 = -1

        /// The index of the last entry whose base offset is at or below `offset` (the first entry's when none is).
        func lastEntry(atOrBelow offset: Int64) -> CircularBuffer<Entry>.Index {
            var low = entries.startIndex
            var count = entries.count
            while count > 1 {
                let half = count / 2
                let middle = entries.index(low, offsetBy: half)
                if entries[middle].baseOffset <= offset {
                    low = middle
                    count -= half
                } else {
                    count = half
                }
            }
            return low
        }
    }

    /// How many batches are remembered: enough for a consumer a few thousand requests behind, a few KiB per log.
    static let capacity = 256

    private let state = Mutex<Run?>(nil)

    /// Forgets every batch (the file gave its descriptor back, or the active segment changed).
    func clear() {
        state.withLock { $0 = nil }
    }

    /// Records a batch just written to `file` at `position`, `size` bytes, offsets `baseOffset..<nextOffset`.
    /// A batch that does not continue the run (another file, or not at its end) starts a new one.
    func appended(to file: LogFile, baseOffset: Int64, nextOffset: Int64, position: Int, size: Int) {
        state.withLock { run in
            if var current = run, current.file === file, current.endPosition == position,
               current.nextOffset == baseOffset
            {
                run = nil  // keep `entries` uniquely referenced while it grows
                if current.entries.count >= Self.capacity { current.entries.removeFirst() }
                current.entries.append(Entry(baseOffset: baseOffset, position: position))
                current.endPosition = position + size
                current.nextOffset = nextOffset
                run = current
            } else {
                var entries = CircularBuffer<Entry>(initialCapacity: Self.capacity)
                entries.append(Entry(baseOffset: baseOffset, position: position))
                run = Run(file: file, entries: entries, endPosition: position + size, nextOffset: nextOffset)
            }
        }
    }

    /// Notes the abort marker at `offset`, written to the active segment: read_committed reads from at or below it
    /// are left to the files. Call it before the last stable offset moves past the marker.
    func abortMarked(at offset: Int64) {
        state.withLock { run in
            if let current = run?.lastAbortMarker, current < offset { run?.lastAbortMarker = offset }
        }
    }

    /// The whole batches from the one holding `offset`, up to `maxBytes` but at least that batch (as
    /// `LogSegment.read` bounds them), ending at or before `upTo` (a batch boundary: the log end offset, or for
    /// read_committed the last stable offset, as the caller read them before calling); nil when `offset` is not
    /// among the remembered batches below `upTo`, or a read_committed read would have to list an aborted
    /// transaction.
    func slice(from offset: Int64, maxBytes: Int, upTo: Int64, committedOnly: Bool) -> FileSlice? {
        state.withLock { run -> FileSlice? in
            guard let run, let firstEntry = run.entries.first, offset >= firstEntry.baseOffset,
                  offset < min(upTo, run.nextOffset)
            else { return nil }
            if committedOnly && run.lastAbortMarker >= offset { return nil }
            let entries = run.entries
            // Where readable bytes end: the run's end, or the batch starting at `upTo` when the run goes past it.
            var endPosition = run.endPosition
            if upTo < run.nextOffset {
                let boundary = entries[run.lastEntry(atOrBelow: upTo)]
                guard boundary.baseOffset == upTo else { return nil }
                endPosition = boundary.position
            }
            let low = run.lastEntry(atOrBelow: offset)
            let first = entries[low]
            let next = entries.index(after: low)
            let firstEnd = next == entries.endIndex ? run.endPosition : entries[next].position
            let limit = first.position + max(maxBytes, firstEnd - first.position)
            var end = firstEnd
            if endPosition <= limit {
                end = endPosition
            } else {
                var index = next
                while index != entries.endIndex, entries[index].position <= limit {
                    end = entries[index].position
                    index = entries.index(after: index)
                }
            }
            return FileSlice(file: run.file, position: first.position, length: end - first.position,
                             firstOffset: first.baseOffset)
        }
    }
}
