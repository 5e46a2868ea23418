import NIOCore

/// Where one record lies in a batch's (decompressed) records section, and what a rewrite of it needs. A plain value.
public struct StoredRecordLayout: Sendable {
    /// Where the record starts (its length varint) and how many bytes it takes.
    public let range: Range<Int>
    /// Where its key-length varint starts: everything from there on (key, value, headers) is copied verbatim when
    /// the record is rewritten with another timestamp delta.
    let tailStart: Int
    /// The record's attributes byte (unused by Kafka, kept as written).
    let attributes: UInt8
    /// The record's timestamp relative to the batch's base timestamp.
    public let timestampDelta: Int64
    /// The record's offset relative to the batch's base offset.
    public let offsetDelta: Int32
}

/// One record of a stored batch as log compaction sees it, read in place. `key` points into the records section and
/// is valid only inside the `StoredRecords.forEach` call that passes it.
public struct StoredRecord {
    /// Where the record lies, to keep it.
    public let layout: StoredRecordLayout
    /// The key's bytes, nil for a null key.
    public let key: UnsafeRawBufferPointer?
    /// Whether the value is null: a tombstone, which deletes its key once compacted.
    public let isTombstone: Bool
}

/// Reads and rewrites the records of stored batches for log compaction: a walk that passes each record's key
/// without copying it, and the builder of a batch that keeps some of another batch's records at their original
/// offsets (Kafka's `MemoryRecords.filterTo`). Stateless and thread-safe.
public enum StoredRecords {
    /// The attributes bit that says the batch's base timestamp is its delete horizon (KIP-534): tombstones in it
    /// are removed by the first cleaning after that time.
    public static let deleteHorizonFlag: Int16 = 0x40

    /// The batch's records section, decompressed when the batch is compressed.
    /// - Parameters:
    ///   - batch: a whole stored batch.
    ///   - maximumSize: the largest decompressed section accepted.
    /// - Throws: `RecordBatchError` for an unknown codec or records that do not decompress.
    public static func recordsSection(of batch: RecordBatch, maximumSize: Int) throws(RecordBatchError) -> ByteBuffer {
        let section = batch.recordsSection
        guard batch.compressionCodec != 0 else { return section }
        guard let codec = CompressionCodec(rawValue: batch.compressionCodec) else {
            throw .invalidRecord("unknown compression codec \(batch.compressionCodec)")
        }
        do {
            return try RecordCompression.decompress(section, codec: codec, maximumSize: maximumSize)
        } catch {
            throw .invalidRecord("records do not decompress: \(error)")
        }
    }

    /// Calls `body` with each of the `count` records in `section`, in order.
    /// - Throws: `RecordBatchError.invalidRecord` when a record does not parse; what `body` throws.
    public static func forEach(
        in section: ByteBuffer, count: Int, _ body: (StoredRecord) throws(RecordBatchError) -> Void
    ) throws(RecordBatchError) {
        try section.withUnsafeReadableBytes { (raw) throws(RecordBatchError) in
            var reader = RawRecordReader(raw, limit: raw.count)
            for index in 0..<count {
                let start = reader.position
                guard let length = reader.varint(), length >= 0, Int(length) <= raw.count - reader.position else {
                    throw .invalidRecord("record \(index) has a bad length")
                }
                let end = reader.position + Int(length)
                var record = RawRecordReader(raw, position: reader.position, limit: end)
                guard let attributes = record.byte(), let timestampDelta = record.varlong(),
                      let offsetDelta = record.varint()
                else { throw .invalidRecord("record \(index) ends inside its fixed fields") }
                let tailStart = record.position
                guard let key = record.field(), let value = record.field() else {
                    throw .invalidRecord("record \(index) has a key or value past its end")
                }
                let keyBytes = key.length < 0 ? nil : UnsafeRawBufferPointer(rebasing: raw[key.start..<key.start + key.length])
                let layout = StoredRecordLayout(
                    range: start..<end, tailStart: tailStart, attributes: attributes, timestampDelta: timestampDelta,
                    offsetDelta: offsetDelta)
                try body(StoredRecord(layout: layout, key: keyBytes, isTombstone: value.length < 0))
                reader = RawRecordReader(raw, position: end, limit: raw.count)
            }
        }
    }

    /// A batch holding `kept` records of `original` at their original offsets. The header keeps the base offset,
    /// lastOffsetDelta (so that the next offset, and an idempotent producer's last sequence, stay as they were),
    /// leader epoch, producer fields, codec and the transactional and control bits; records are recompressed with
    /// the batch's codec. With `deleteHorizon` the base timestamp becomes the horizon (KIP-534) and each record's
    /// timestamp delta is rewritten so that its timestamp stays the same. With no record kept the batch is an empty
    /// header (no timestamp, no codec), which keeps its offsets and producer fields in the log.
    /// - Parameters:
    ///   - original: the stored batch.
    ///   - section: its decompressed records section, which `kept` point into.
    ///   - kept: the records to keep, in order.
    ///   - deleteHorizon: the delete horizon to set, or nil to keep the batch's own (if any).
    /// - Throws: `RecordBatchError.invalidRecord` when the codec fails.
    public static func rebuild(_ original: RecordBatch, section: ByteBuffer, kept: [StoredRecordLayout],
                               deleteHorizon: Int64?) throws(RecordBatchError) -> ByteBuffer
    {
        let hadHorizon = original.attributes & deleteHorizonFlag != 0
        var attributes = original.attributes & ~deleteHorizonFlag
        if kept.isEmpty { attributes &= ~0x7 }
        if (hadHorizon || deleteHorizon != nil) && !kept.isEmpty { attributes |= deleteHorizonFlag }
        let baseTimestamp = deleteHorizon ?? original.baseTimestamp
        let shift = baseTimestamp &- original.baseTimestamp
        var records = ByteBuffer()
        var maxTimestamp: Int64 = -1
        section.withUnsafeReadableBytes { raw in
            records.reserveCapacity(kept.reduce(0) { $0 + $1.range.count + (shift == 0 ? 0 : 10) })
            for record in kept {
                let timestamp = original.baseTimestamp &+ record.timestampDelta
                maxTimestamp = max(maxTimestamp, timestamp)
                if shift == 0 {
                    records.writeBytes(UnsafeRawBufferPointer(rebasing: raw[record.range]))
                } else {
                    let tail = UnsafeRawBufferPointer(rebasing: raw[record.tailStart..<record.range.upperBound])
                    let delta = record.timestampDelta &- shift
                    let bodyLength = 1 + Self.varlongSize(delta) + Self.varlongSize(Int64(record.offsetDelta)) + tail.count
                    _ = records.writeVarlong(Int64(bodyLength))
                    records.writeInteger(record.attributes)
                    _ = records.writeVarlong(delta)
                    _ = records.writeVarlong(Int64(record.offsetDelta))
                    records.writeBytes(tail)
                }
            }
        }
        if original.isLogAppendTime { maxTimestamp = kept.isEmpty ? -1 : original.maxTimestamp }
        if original.compressionCodec != 0, !kept.isEmpty {
            guard let codec = CompressionCodec(rawValue: original.compressionCodec) else {
                throw .invalidRecord("unknown compression codec \(original.compressionCodec)")
            }
            do {
                records = try RecordCompression.compress(records, codec: codec)
            } catch {
                throw .invalidRecord("records do not compress: \(error)")
            }
        }
        var batch = ByteBuffer()
        batch.reserveCapacity(RecordBatch.headerSize + records.readableBytes)
        batch.writeInteger(original.baseOffset)
        batch.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + records.readableBytes))
        batch.writeInteger(original.partitionLeaderEpoch)
        batch.writeInteger(Int8(2))
        batch.writeInteger(UInt32(0))  // the CRC, set below
        batch.writeInteger(attributes)
        batch.writeInteger(original.lastOffsetDelta)
        batch.writeInteger(kept.isEmpty ? -1 : baseTimestamp)
        batch.writeInteger(maxTimestamp)
        batch.writeInteger(original.producerId)
        batch.writeInteger(original.producerEpoch)
        batch.writeInteger(original.baseSequence)
        batch.writeInteger(Int32(kept.count))
        batch.writeImmutableBuffer(records)
        let crc = batch.crc32c(at: RecordBatch.crcStart, length: batch.readableBytes - RecordBatch.crcStart) ?? 0
        batch.setInteger(crc, at: 17)
        return batch
    }

    private static func varlongSize(_ value: Int64) -> Int {
        var remaining = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var size = 1
        while remaining >= 0x80 {
            remaining >>= 7
            size += 1
        }
        return size
    }
}

extension RecordBatch {
    /// Whether the base timestamp is a delete horizon (KIP-534): set by compaction on a batch holding tombstones.
    public var hasDeleteHorizon: Bool { attributes & StoredRecords.deleteHorizonFlag != 0 }

    /// The time after which compaction removes this batch's tombstones, when it has a delete horizon.
    public var deleteHorizonMs: Int64? { hasDeleteHorizon ? baseTimestamp : nil }
}
