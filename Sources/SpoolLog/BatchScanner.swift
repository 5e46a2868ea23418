import NIOCore
import SpoolRecords

/// What the log needs to know of one stored batch, read from its header.
struct BatchInfo: Sendable, Equatable {
    var position: Int
    var size: Int
    var baseOffset: Int64
    var lastOffset: Int64
    var maxTimestamp: Int64
    var leaderEpoch: Int32
    var producerId: Int64 = -1
    var producerEpoch: Int16 = -1
    var baseSequence: Int32 = -1
    /// Records in the batch; 0 for an empty batch compaction kept for its offsets and producer fields.
    var recordsCount: Int32 = 1
    /// Compression, timestamp type, transactional (bit 4) and control (bit 5) bits.
    var attributes: Int16 = 0
    /// For a commit or abort marker read by a scanner, what it says (nil for any other batch).
    var marker: ControlBatch.Marker?

    var isTransactional: Bool { attributes & 0x10 != 0 }
    var isControl: Bool { attributes & 0x20 != 0 }

    var nextOffset: Int64 { lastOffset + 1 }
    var end: Int { position + size }
}

/// Walks the batches of a segment file from a batch boundary, reading the file in chunks, and checks each against
/// `StoredBatchIntegrity` (never against the client rules: stored data may be compacted or a transaction marker).
///
/// Every batch's header is checked, and from the second batch on its base offset must lie above the one before
/// (gaps are compaction's); with `verify` (recovery), each batch is also read whole and its CRC32C checked. Not thread-safe (a
/// value owned by one caller).
struct BatchScanner {
    enum Step {
        case batch(BatchInfo)
        case end
        case invalid(String)
    }

    private let file: LogFile
    private let end: Int
    private let verify: Bool
    private let chunkSize: Int
    private(set) var position: Int
    /// The lowest offset the next batch may start at: the previous batch's next offset (nil before the first).
    private var expectedBaseOffset: Int64?
    private var window = ByteBuffer()
    private var windowStart = 0
    /// With `verify`, the bytes of the batch `next()` returned last (a view of the read window, no copy).
    private(set) var lastBatchBytes: ByteBuffer?

    /// - Parameters:
    ///   - file: the segment's log file.
    ///   - position: a batch boundary to start from.
    ///   - end: the byte after the last one to consider (the segment size).
    ///   - verify: check every batch whole.
    ///   - chunkSize: bytes per read; by default 1 MiB with `verify`, 32 KiB without.
    init(file: LogFile, from position: Int, to end: Int, verify: Bool, chunkSize: Int? = nil) {
        self.file = file
        self.position = position
        self.end = end
        self.verify = verify
        self.chunkSize = chunkSize ?? (verify ? 1 << 20 : 1 << 15)
    }

    /// The next batch, `.end` exactly at `end`, or `.invalid` with the reason the bytes stop making sense.
    mutating func next() throws(LogError) -> Step {
        let remaining = end - position
        if remaining == 0 { return .end }
        guard remaining >= RecordBatch.headerSize else {
            return .invalid("incomplete batch header: \(remaining) bytes left at position \(position)")
        }
        let header = try bytes(at: position, count: RecordBatch.headerSize)
        let batch: RecordBatch
        let size: Int
        do throws(StoredBatchIntegrity.Violation) {
            (batch, size) = try StoredBatchIntegrity.header(header, remaining: remaining)
            if let expectedBaseOffset {
                try StoredBatchIntegrity.follows(baseOffset: batch.baseOffset, expected: expectedBaseOffset)
            }
        } catch {
            return .invalid("\(error) at position \(position)")
        }
        if verify {
            let whole = try bytes(at: position, count: size)
            do throws(StoredBatchIntegrity.Violation) {
                try StoredBatchIntegrity.checksum(ofBatch: whole)
            } catch {
                return .invalid("\(error) at position \(position)")
            }
            lastBatchBytes = whole
        }
        let info = BatchInfo(
            position: position, size: size, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset,
            maxTimestamp: batch.maxTimestamp, leaderEpoch: batch.partitionLeaderEpoch, producerId: batch.producerId,
            producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence, recordsCount: batch.recordsCount,
            attributes: batch.attributes, marker: batch.isControl ? try marker(at: position, size: size) : nil)
        position += size
        expectedBaseOffset = info.nextOffset
        return .batch(info)
    }

    /// What the control batch at `position` says, when it is a commit or abort marker. Markers are a few dozen
    /// bytes, so reading one whole costs nothing beside the header.
    private mutating func marker(at position: Int, size: Int) throws(LogError) -> ControlBatch.Marker? {
        guard size <= 4096, let batch = try? RecordBatch(buffer: try bytes(at: position, count: size)) else {
            return nil
        }
        return try? ControlBatch.parse(batch)
    }

    /// A view of `count` bytes at `offset`, refilling the window from the file when needed.
    private mutating func bytes(at offset: Int, count: Int) throws(LogError) -> ByteBuffer {
        let windowEnd = windowStart + window.readableBytes
        if offset < windowStart || offset + count > windowEnd {
            // `count` never exceeds end - offset (checked by the caller), so the read is bounded by the file.
            window = try file.read(count: min(max(count, chunkSize), end - offset), at: offset)
            windowStart = offset
        }
        guard let slice = window.getSlice(at: window.readerIndex + offset - windowStart, length: count) else {
            throw .storage("read", path: file.path, errno: 5)  // EIO: the file shrank under us
        }
        return slice
    }
}
