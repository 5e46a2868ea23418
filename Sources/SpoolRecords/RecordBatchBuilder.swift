import NIOCore

/// Builds one v2 record batch, as a producer sends it: records appended one by one, then a header with
/// counts, timestamps and the CRC32C written in front.
///
/// Records are encoded as they are appended, so `build` only writes the header and checksums.
/// A value type with no shared state; not meant to be used from several tasks at once.
public struct RecordBatchBuilder: Sendable {
    /// The batch's base offset: 0 from producers (the broker assigns offsets).
    public var baseOffset: Int64
    /// The leader epoch; -1 from producers.
    public var partitionLeaderEpoch: Int32
    /// The idempotent producer id, or -1.
    public var producerId: Int64
    /// The idempotent producer epoch, or -1.
    public var producerEpoch: Int16
    /// The first record's sequence number, or -1.
    public var baseSequence: Int32
    /// Whether the batch is part of a transaction (attributes bit 4).
    public var isTransactional: Bool
    /// Whether the batch is a control batch (attributes bit 5): only the broker builds those (transaction markers).
    public var isControl = false

    private var records: ByteBuffer
    private var baseTimestamp: Int64?
    private var maxTimestamp: Int64 = -1
    /// How many records have been appended.
    public private(set) var count: Int32 = 0

    /// Starts an empty batch.
    /// - Parameters:
    ///   - baseOffset: 0 from producers.
    ///   - producerId: the idempotent producer id, or -1.
    ///   - producerEpoch: the producer epoch, or -1.
    ///   - baseSequence: the first record's sequence number, or -1.
    ///   - isTransactional: whether the batch belongs to a transaction.
    ///   - partitionLeaderEpoch: -1 from producers.
    ///   - capacity: bytes to reserve for the records.
    public init(
        baseOffset: Int64 = 0, producerId: Int64 = -1, producerEpoch: Int16 = -1, baseSequence: Int32 = -1,
        isTransactional: Bool = false, partitionLeaderEpoch: Int32 = -1, capacity: Int = 1024
    ) {
        self.baseOffset = baseOffset
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.isTransactional = isTransactional
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.records = ByteBuffer()
        self.records.reserveCapacity(capacity)
    }

    /// The size of the batch `build()` would return now, before compression.
    public var sizeInBytes: Int { RecordBatch.headerSize + records.readableBytes }

    /// Appends a record. The first record's timestamp becomes the batch's baseTimestamp.
    /// - Parameters:
    ///   - key: the key, or nil.
    ///   - value: the value, or nil.
    ///   - headers: the record's headers.
    ///   - timestamp: the create time in milliseconds since the epoch.
    public mutating func append(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestamp: Int64) {
        let base = baseTimestamp ?? timestamp
        baseTimestamp = base
        maxTimestamp = max(maxTimestamp, timestamp)
        let record = Record(
            timestampDelta: timestamp &- base, offsetDelta: count, key: key, value: value, headers: headers)
        record.write(into: &records)
        count += 1
    }

    /// The finished batch, uncompressed.
    public func build() -> ByteBuffer {
        build(codec: 0, records: records)
    }

    /// The finished batch with `compressedRecords` (the records section compressed by `codec`) in place
    /// of the records, as producers send compressed batches.
    /// - Parameters:
    ///   - codec: 1 gzip, 2 snappy, 3 lz4, 4 zstd.
    ///   - compressedRecords: the output of compressing `uncompressedRecords`.
    public func build(codec: Int, compressedRecords: ByteBuffer) -> ByteBuffer {
        build(codec: codec, records: compressedRecords)
    }

    /// The encoded records appended so far, as they are before compression.
    public var uncompressedRecords: ByteBuffer { records }

    private func build(codec: Int, records body: ByteBuffer) -> ByteBuffer {
        var batch = ByteBuffer()
        batch.reserveCapacity(RecordBatch.headerSize + body.readableBytes)
        let attributes = Int16(codec & 0x7) | (isTransactional ? 0x10 : 0) | (isControl ? 0x20 : 0)
        batch.writeInteger(baseOffset)
        batch.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + body.readableBytes))
        batch.writeInteger(partitionLeaderEpoch)
        batch.writeInteger(Int8(2))
        batch.writeInteger(UInt32(0))  // CRC, filled in below
        batch.writeInteger(attributes)
        batch.writeInteger(count > 0 ? count - 1 : 0)
        batch.writeInteger(baseTimestamp ?? -1)
        batch.writeInteger(maxTimestamp)
        batch.writeInteger(producerId)
        batch.writeInteger(producerEpoch)
        batch.writeInteger(baseSequence)
        batch.writeInteger(count)
        batch.writeImmutableBuffer(body)
        let crc = batch.crc32c(at: RecordBatch.crcStart, length: batch.readableBytes - RecordBatch.crcStart) ?? 0
        batch.setInteger(crc, at: 17)
        return batch
    }
}
