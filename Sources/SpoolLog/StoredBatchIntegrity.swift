import NIOCore
import SpoolRecords

/// What a batch already in a segment must satisfy for recovery and reads to trust it: the integrity of stored
/// data, and nothing of what a client may send. Stateless and thread-safe.
///
/// Client rules (Kafka's `LogValidator`: dense offset deltas, a record count of lastOffsetDelta + 1, the control
/// bit clear, a known codec) live in `ProducedBatchValidator` and apply at produce only. Stored data breaks them
/// legitimately: a compacted batch keeps its first and last offsets but fewer records, with gaps in their offset
/// deltas, and a transaction marker is a control batch. Recovery cutting such batches would lose committed data,
/// so recovery (`BatchScanner` with `verify`) and reads (`BatchScanner` without) check only these rules:
/// - magic 2 and a batch length of at least a header that fits in what is left of the segment (`header`);
/// - lastOffsetDelta ≥ 0, so that a batch never ends before it starts (`header`);
/// - the CRC32C of attributes..end, when the whole batch is read (`checksum`);
/// - each batch's base offset lies above the previous batch's last offset (`follows`). The base offset lies
///   outside the CRC, so this is the only check on it. Gaps between batches are data, not damage: compaction
///   removes whole batches (it keeps the last batch of every segment, so segments still meet end to end, which
///   recovery and reads check), so an overlap is the only sign of a damaged base offset;
/// - relative offsets and positions fit the 32-bit fields of the segment's indexes (`indexable`).
enum StoredBatchIntegrity {
    /// A broken rule, with what was found.
    struct Violation: Error, CustomStringConvertible {
        let description: String
    }

    /// Checks the header of a stored batch: magic, length within `remaining` bytes, lastOffsetDelta.
    /// - Parameters:
    ///   - bytes: at least the batch's first 61 bytes.
    ///   - remaining: bytes of segment from the batch's first byte on.
    /// - Returns: a header-only view of the batch, and its size in bytes.
    /// - Throws: `Violation` naming the rule broken.
    static func header(_ bytes: ByteBuffer, remaining: Int) throws(Violation) -> (header: RecordBatch, size: Int) {
        let size: Int
        let header: RecordBatch
        do {
            size = try RecordBatch.batchSize(in: bytes, at: bytes.readerIndex)
            header = try RecordBatch(headerOf: bytes)
        } catch {
            throw Violation(description: "\(error)")
        }
        guard size <= remaining else {
            throw Violation(description: "incomplete batch: \(size) bytes announced, \(remaining) left")
        }
        guard header.lastOffsetDelta >= 0 else {
            throw Violation(description: "lastOffsetDelta \(header.lastOffsetDelta) is negative")
        }
        return (header, size)
    }

    /// Checks a whole stored batch's CRC32C.
    /// - Parameter bytes: exactly the batch's bytes (its header passed `header`).
    /// - Throws: `Violation` when the bytes do not match it.
    static func checksum(ofBatch bytes: ByteBuffer) throws(Violation) {
        do {
            try RecordBatch(buffer: bytes).validateChecksum()
        } catch {
            throw Violation(description: "\(error)")
        }
    }

    /// Checks that a batch starting at `baseOffset` lies after the batch before it: at or above `expected`, the
    /// previous batch's next offset (compaction leaves gaps; an overlap is damage).
    /// - Throws: `Violation` when it does not.
    static func follows(baseOffset: Int64, expected: Int64) throws(Violation) {
        guard baseOffset >= expected else {
            throw Violation(description: "base offset \(baseOffset) overlaps the batch before, which ends at \(expected - 1)")
        }
    }

    /// Checks that a batch can be indexed in a segment starting at `segmentBase`: its last offset relative to the
    /// segment and its position fit the indexes' unsigned 32-bit fields, as Kafka requires.
    /// - Throws: `Violation` when they do not.
    static func indexable(_ info: BatchInfo, segmentBase: Int64) throws(Violation) {
        guard info.baseOffset >= segmentBase, info.lastOffset - segmentBase <= Int64(Int32.max) else {
            throw Violation(
                description: "offsets \(info.baseOffset)...\(info.lastOffset) do not fit a segment at \(segmentBase)")
        }
        guard info.position <= Int(UInt32.max) else {
            throw Violation(description: "position \(info.position) does not fit a 32-bit index entry")
        }
    }
}
