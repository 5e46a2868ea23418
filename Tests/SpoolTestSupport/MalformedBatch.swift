import NIOCore
import SpoolRecords

/// Record batches whose CRC is right but which a producer may not send (Kafka's LogValidator rules), each with
/// the Kafka error code a broker must answer. They are the kinds found acknowledged in issue 11.
public enum MalformedBatch: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The first record's length varint runs past the end of the batch.
    case recordLengthPastBatch
    /// A record's value length runs past the record's declared end.
    case valueLengthPastRecord
    /// The gzip flag over records that are not gzip.
    case gzipOverGarbage
    /// The zstd flag over records that are not zstd.
    case zstdOverGarbage
    /// Compression codec 7, which Kafka does not define.
    case codec7
    /// The control bit, which only a transaction coordinator may set.
    case controlBit
    /// lastOffsetDelta 2^31−2 and recordsCount 2^31−1 in an 80-byte batch: they agree, but cannot be true.
    case hugeCountInSmallBatch
    /// The second record's offsetDelta is 0 instead of 1.
    case offsetDeltaMismatch
    /// Three bytes after the last record.
    case trailingBytes

    public var description: String { rawValue }

    /// The Kafka error code the broker must answer: CORRUPT_MESSAGE (2) for bytes that do not add up with their
    /// framing, UNSUPPORTED_COMPRESSION_TYPE (76), INVALID_RECORD (87) for records or attributes a producer may
    /// not send.
    public var expectedErrorCode: Int16 {
        switch self {
        case .recordLengthPastBatch, .gzipOverGarbage, .zstdOverGarbage, .trailingBytes: 2
        case .codec7: 76
        case .valueLengthPastRecord, .controlBit, .hugeCountInSmallBatch, .offsetDeltaMismatch: 87
        }
    }

    /// The kind of refusal the validator must report (which the broker answers with `expectedErrorCode`).
    public var expectedKind: RecordBatchError.Kind {
        switch self {
        case .recordLengthPastBatch, .gzipOverGarbage, .zstdOverGarbage, .trailingBytes: .corrupt
        case .codec7: .unsupportedCompression
        case .valueLengthPastRecord, .controlBit, .hugeCountInSmallBatch, .offsetDeltaMismatch: .invalidRecord
        }
    }

    /// The values of the records in the batch before it is damaged: three records of 8 bytes after their
    /// length (attributes, timestampDelta 0, offsetDelta, null key, value length, 2 value bytes, no headers).
    public static let values = ["m1", "m2", "m3"]
    /// Where the records start, and each record's size with its one-byte length.
    private static let recordsStart = RecordBatch.headerSize
    private static let recordSize = 9

    /// The damaged batch, its CRC recomputed so that only the rule it breaks is wrong.
    public var bytes: ByteBuffer {
        var builder = RecordBatchBuilder()
        for value in Self.values {
            builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 1_764_000_000_000)
        }
        var batch = builder.build()
        switch self {
        case .recordLengthPastBatch:
            // zigzag(60): longer than the three records together.
            Self.patch(&batch, at: Self.recordsStart, expecting: 16, to: 120)
        case .valueLengthPastRecord:
            // The last record's value length, zigzag(2) → zigzag(50).
            Self.patch(&batch, at: Self.recordsStart + 2 * Self.recordSize + 5, expecting: 4, to: 100)
        case .gzipOverGarbage:
            batch = builder.build(codec: 1, compressedRecords: builder.uncompressedRecords)
        case .zstdOverGarbage:
            batch = builder.build(codec: 4, compressedRecords: builder.uncompressedRecords)
        case .codec7:
            batch = builder.build(codec: 7, compressedRecords: builder.uncompressedRecords)
        case .controlBit:
            batch.setInteger(Int16(0x20), at: batch.readerIndex + 21)
        case .hugeCountInSmallBatch:
            var single = RecordBatchBuilder()
            single.append(key: nil, value: ByteBuffer(string: "twelve bytes"), timestamp: 1_764_000_000_000)
            batch = single.build()
            precondition(batch.readableBytes == 80, "the finding's batch was 80 bytes")
            batch.setInteger(Int32.max - 1, at: batch.readerIndex + 23)
            batch.setInteger(Int32.max, at: batch.readerIndex + 57)
        case .offsetDeltaMismatch:
            // The second record's offsetDelta, zigzag(1) → zigzag(0).
            Self.patch(&batch, at: Self.recordsStart + Self.recordSize + 3, expecting: 2, to: 0)
        case .trailingBytes:
            batch.writeBytes([0, 0, 0])
            batch.setInteger(Int32(batch.readableBytes - RecordBatch.logOverhead), at: batch.readerIndex + 8)
        }
        Self.reseal(&batch)
        return batch
    }

    /// Sets one byte after checking that it holds what the layout above says.
    private static func patch(_ batch: inout ByteBuffer, at offset: Int, expecting old: UInt8, to new: UInt8) {
        let index = batch.readerIndex + offset
        precondition(batch.getInteger(at: index, as: UInt8.self) == old, "unexpected batch layout at \(offset)")
        batch.setInteger(new, at: index)
    }

    /// Recomputes the CRC over attributes..end, as a producer that means the bytes would.
    public static func reseal(_ batch: inout ByteBuffer) {
        let start = batch.readerIndex + RecordBatch.crcStart
        guard let crc = batch.crc32c(at: start, length: batch.writerIndex - start) else {
            preconditionFailure("a batch shorter than its header")
        }
        batch.setInteger(crc, at: batch.readerIndex + 17)
    }
}
