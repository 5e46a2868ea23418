import NIOCore

/// A zero-copy view of one Kafka v2 record batch held in a `ByteBuffer`.
///
/// The buffer's readable bytes are exactly the batch: the 61-byte header followed by the records.
/// Header fields are read and written in place at their fixed positions; nothing is decoded up front.
/// A value type: not shared, so no synchronisation is needed.
///
/// Layout (big-endian): baseOffset i64 @0, batchLength i32 @8, partitionLeaderEpoch i32 @12, magic i8 @16,
/// crc u32 @17, attributes i16 @21, lastOffsetDelta i32 @23, baseTimestamp i64 @27, maxTimestamp i64 @35,
/// producerId i64 @43, producerEpoch i16 @51, baseSequence i32 @53, recordsCount i32 @57, records @61.
/// The CRC covers attributes through the end, so rewriting baseOffset or the leader epoch keeps it valid.
public struct RecordBatch: Sendable {
    /// Size of the v2 header, up to the first record.
    public static let headerSize = 61
    /// The bytes before batchLength's count starts: baseOffset (8) + batchLength (4).
    public static let logOverhead = 12
    /// Where the CRC-covered range starts (attributes).
    public static let crcStart = 21
    /// Where the magic byte sits, in v2 batches and legacy message sets alike.
    public static let magicOffset = 16

    /// The batch's bytes (readable bytes only).
    public private(set) var buffer: ByteBuffer

    /// Wraps a buffer whose readable bytes hold exactly one batch. Checks only that a header is present
    /// and that batchLength matches the byte count; call `validate()` for the rest.
    /// - Parameter buffer: the batch's bytes.
    /// - Throws: `RecordBatchError` when the header is short or the length does not match.
    public init(buffer: ByteBuffer) throws(RecordBatchError) {
        let size = try Self.batchSize(in: buffer, at: buffer.readerIndex)
        guard size == buffer.readableBytes else {
            throw .truncated(needed: size, available: buffer.readableBytes)
        }
        self.buffer = buffer
    }

    /// A view of just the 61-byte header of a batch whose records are not at hand (a scan of a stored log reads
    /// headers only). Header fields read as usual; `validate()` and `computeCRC()` need the whole batch.
    /// - Parameter buffer: at least the batch's first 61 bytes; only those are kept.
    /// - Throws: `RecordBatchError` for a short header, a legacy or unknown magic, or an impossible length.
    public init(headerOf buffer: ByteBuffer) throws(RecordBatchError) {
        _ = try Self.batchSize(in: buffer, at: buffer.readerIndex)
        guard let header = buffer.getSlice(at: buffer.readerIndex, length: Self.headerSize) else {
            throw .truncated(needed: Self.headerSize, available: buffer.readableBytes)
        }
        self.buffer = header
    }

    /// The total size (batchLength + 12) of the batch starting at `index`, after checking the length
    /// field and the magic byte. Does not require the whole batch to be present.
    /// - Parameters:
    ///   - buffer: bytes holding at least the batch's first 17 bytes.
    ///   - index: where the batch starts.
    /// - Throws: `RecordBatchError` for a short header, a legacy or unknown magic, or an impossible length.
    public static func batchSize(in buffer: ByteBuffer, at index: Int) throws(RecordBatchError) -> Int {
        let available = buffer.writerIndex - index
        guard available >= magicOffset + 1,
              let length = buffer.getInteger(at: index + 8, as: Int32.self),
              let magic = buffer.getInteger(at: index + magicOffset, as: Int8.self)
        else { throw .truncated(needed: magicOffset + 1, available: max(available, 0)) }
        guard magic == 2 else { throw .unsupportedMagic(magic) }
        guard length >= Int32(headerSize - logOverhead) else { throw .badBatchLength(length) }
        return Int(length) + logOverhead
    }

    /// Splits a `records` blob (as a produce request carries it) into batches, without copying.
    /// - Parameter records: one or more whole batches back to back.
    /// - Throws: `RecordBatchError` on the first batch that is short or malformed.
    public static func split(_ records: ByteBuffer) throws(RecordBatchError) -> [RecordBatch] {
        var batches: [RecordBatch] = []
        var index = records.readerIndex
        while index < records.writerIndex {
            let size = try batchSize(in: records, at: index)
            guard size <= records.writerIndex - index else {
                throw .truncated(needed: size, available: records.writerIndex - index)
            }
            guard let slice = records.getSlice(at: index, length: size) else {
                throw .truncated(needed: size, available: records.writerIndex - index)
            }
            batches.append(try RecordBatch(buffer: slice))
            index += size
        }
        return batches
    }

    private func field<T: FixedWidthInteger>(_ offset: Int, as: T.Type = T.self) -> T {
        // In bounds by construction: init checked that the whole header is present.
        self.buffer.getInteger(at: self.buffer.readerIndex + offset, as: T.self) ?? 0
    }

    private mutating func setField<T: FixedWidthInteger>(_ offset: Int, _ value: T) {
        self.buffer.setInteger(value, at: self.buffer.readerIndex + offset)
    }

    /// The offset of the first record; the log rewrites it on append.
    public var baseOffset: Int64 {
        get { field(0) }
        set { setField(0, newValue) }
    }
    /// Bytes after the batchLength field.
    public var batchLength: Int32 { field(8) }
    /// The leader epoch the batch was appended in.
    public var partitionLeaderEpoch: Int32 {
        get { field(12) }
        set { setField(12, newValue) }
    }
    /// Always 2 for a view that passed `init`.
    public var magic: Int8 { field(16) }
    /// The stored CRC32C of attributes..end.
    public var crc: UInt32 { field(17) }
    /// Compression (bits 0-2), timestamp type (bit 3), transactional (bit 4), control (bit 5).
    public var attributes: Int16 { field(21) }
    /// The last record's offset minus baseOffset.
    public var lastOffsetDelta: Int32 { field(23) }
    /// The first record's timestamp.
    public var baseTimestamp: Int64 { field(27) }
    /// The largest record timestamp, or the log append time when the timestamp type says so.
    public var maxTimestamp: Int64 { field(35) }
    /// The idempotent producer's id, or -1.
    public var producerId: Int64 { field(43) }
    /// The idempotent producer's epoch, or -1.
    public var producerEpoch: Int16 { field(51) }
    /// The first record's sequence number, or -1.
    public var baseSequence: Int32 { field(53) }
    /// How many records the batch holds.
    public var recordsCount: Int32 { field(57) }

    /// The batch's size on disk and on the wire: batchLength + 12.
    public var sizeInBytes: Int { Int(batchLength) + Self.logOverhead }
    /// baseOffset + lastOffsetDelta.
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    /// The offset after this batch.
    public var nextOffset: Int64 { lastOffset + 1 }
    /// Compression codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
    public var compressionCodec: Int { Int(attributes & 0x7) }
    /// Whether maxTimestamp is the broker's log append time rather than the producer's create time.
    public var isLogAppendTime: Bool { attributes & 0x8 != 0 }
    /// Whether the batch belongs to a transaction.
    public var isTransactional: Bool { attributes & 0x10 != 0 }
    /// Whether the batch is a control batch (transaction markers).
    public var isControl: Bool { attributes & 0x20 != 0 }

    /// The CRC32C of attributes..end as the bytes stand now.
    public func computeCRC() -> UInt32 {
        // A header-only view has fewer bytes than sizeInBytes: the range check fails and the CRC reads as 0.
        self.buffer.crc32c(at: self.buffer.readerIndex + Self.crcStart, length: self.sizeInBytes - Self.crcStart) ?? 0
    }

    /// Checks what the log's append checks before assigning offsets: the CRC, and that lastOffsetDelta + 1 ==
    /// recordsCount. (Magic and length were checked by `init`.) Stored data is not held to the count: recovery
    /// and reads accept compacted batches, whose records are fewer.
    /// - Parameter maxBytes: the largest batch allowed (max.message.bytes), or nil for no limit.
    /// - Throws: `RecordBatchError` naming what does not add up.
    public func validate(maxBytes: Int? = nil) throws(RecordBatchError) {
        if let maxBytes, sizeInBytes > maxBytes { throw .tooLarge(size: sizeInBytes, limit: maxBytes) }
        try validateChecksum()
        try validateCount()
    }

    /// Checks the stored CRC32C against the bytes.
    /// - Throws: `RecordBatchError.crcMismatch`.
    public func validateChecksum() throws(RecordBatchError) {
        let computed = computeCRC()
        guard computed == crc else { throw .crcMismatch(stored: crc, computed: computed) }
    }

    /// Checks that recordsCount is at least 1 and equals lastOffsetDelta + 1.
    /// - Throws: `RecordBatchError.recordCountMismatch`.
    public func validateCount() throws(RecordBatchError) {
        guard recordsCount >= 1, Int64(lastOffsetDelta) + 1 == Int64(recordsCount) else {
            throw .recordCountMismatch(lastOffsetDelta: lastOffsetDelta, recordsCount: recordsCount)
        }
    }

    /// Marks the batch as stamped with the log append time `timestamp` and recomputes the CRC,
    /// as Kafka does for topics with message.timestamp.type=LogAppendTime.
    /// - Parameter timestamp: milliseconds since the epoch.
    public mutating func stampLogAppendTime(_ timestamp: Int64) {
        setField(21, attributes | 0x8)
        setField(35, timestamp)
        setField(17, computeCRC())
    }
}
