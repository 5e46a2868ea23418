import NIOCore

/// One header of a record: a string key and an optional value.
public struct RecordHeader: Hashable, Sendable {
    /// The header's key.
    public var key: String
    /// The header's value, or nil.
    public var value: ByteBuffer?

    /// Makes a header.
    /// - Parameters:
    ///   - key: the header's key.
    ///   - value: the header's value, or nil.
    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

/// One record of a v2 batch, decoded. Key, value and header values are slices of the batch's buffer.
///
/// On the wire: length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
/// key (varint length, -1 for null), value (likewise), header count varint, headers.
/// A value type: safe to share.
public struct Record: Hashable, Sendable {
    /// Unused by Kafka today; kept for round trips.
    public var attributes: Int8
    /// The record's timestamp minus the batch's baseTimestamp.
    public var timestampDelta: Int64
    /// The record's offset minus the batch's baseOffset.
    public var offsetDelta: Int32
    /// The record's key, or nil.
    public var key: ByteBuffer?
    /// The record's value, or nil (a tombstone).
    public var value: ByteBuffer?
    /// The record's headers, in order.
    public var headers: [RecordHeader]

    /// Makes a record.
    /// - Parameters:
    ///   - attributes: record attributes (0).
    ///   - timestampDelta: timestamp minus baseTimestamp.
    ///   - offsetDelta: offset minus baseOffset.
    ///   - key: the key, or nil.
    ///   - value: the value, or nil.
    ///   - headers: the headers.
    public init(
        attributes: Int8 = 0, timestampDelta: Int64, offsetDelta: Int32,
        key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = []
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The encoded size of everything after the length varint.
    public var bodySize: Int {
        var size = 1 + KafkaVarint.signedSize(timestampDelta) + KafkaVarint.signedSize(Int64(offsetDelta))
        size += Self.fieldSize(key?.readableBytes)
        size += Self.fieldSize(value?.readableBytes)
        size += KafkaVarint.signedSize(Int64(headers.count))
        for header in headers {
            size += Self.fieldSize(header.key.utf8.count) + Self.fieldSize(header.value?.readableBytes)
        }
        return size
    }

    /// The encoded size of the whole record, length varint included.
    public var encodedSize: Int {
        let body = bodySize
        return KafkaVarint.signedSize(Int64(body)) + body
    }

    @inlinable
    static func fieldSize(_ length: Int?) -> Int {
        guard let length else { return 1 }
        return KafkaVarint.signedSize(Int64(length)) + length
    }

    /// Writes the record, length prefix included.
    /// - Parameter buffer: where to write.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeVarint(Int32(truncatingIfNeeded: bodySize))
        buffer.writeInteger(attributes)
        buffer.writeVarlong(timestampDelta)
        buffer.writeVarint(offsetDelta)
        Self.writeField(key, into: &buffer)
        Self.writeField(value, into: &buffer)
        buffer.writeVarint(Int32(truncatingIfNeeded: headers.count))
        for header in headers {
            buffer.writeVarint(Int32(truncatingIfNeeded: header.key.utf8.count))
            buffer.writeString(header.key)
            Self.writeField(header.value, into: &buffer)
        }
    }

    private static func writeField(_ field: ByteBuffer?, into buffer: inout ByteBuffer) {
        guard let field else {
            buffer.writeVarint(-1)
            return
        }
        buffer.writeVarint(Int32(truncatingIfNeeded: field.readableBytes))
        buffer.writeImmutableBuffer(field)
    }
}

/// Reads the records of an uncompressed batch one at a time, without copying keys or values.
///
/// Every length is checked against the bytes that remain; malformed records throw
/// `RecordBatchError.invalidRecord` (INVALID_RECORD) or `.truncated` (CORRUPT_MESSAGE). A value type.
public struct RecordReader: Sendable {
    private var buffer: ByteBuffer
    private var remaining: Int

    /// Reads `count` records from the readable bytes of `records` (the bytes after a batch's 61-byte header).
    /// - Parameters:
    ///   - records: the records section.
    ///   - count: how many records the batch header announces.
    public init(records: ByteBuffer, count: Int) {
        self.buffer = records
        self.remaining = max(count, 0)
    }

    /// Bytes left after the announced records; non-zero means the batch holds more than it says.
    public var trailingBytes: Int { remaining == 0 ? buffer.readableBytes : 0 }

    /// The next record, or nil after the announced count.
    /// - Throws: `RecordBatchError` for a short or malformed record.
    public mutating func next() throws(RecordBatchError) -> Record? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        guard let length = buffer.readVarint() else { throw .invalidRecord("bad record length varint") }
        guard length >= 0, Int(length) <= buffer.readableBytes, var body = buffer.readSlice(length: Int(length)) else {
            throw .truncated(needed: Int(length), available: buffer.readableBytes)
        }
        let record = try Self.parseBody(&body)
        guard body.readableBytes == 0 else { throw .invalidRecord("\(body.readableBytes) bytes after record fields") }
        return record
    }

    private static func parseBody(_ body: inout ByteBuffer) throws(RecordBatchError) -> Record {
        guard let attributes = body.readInteger(as: Int8.self),
            let timestampDelta = body.readVarlong(),
            let offsetDelta = body.readVarint()
        else { throw .invalidRecord("short record header") }
        let key = try readField(&body, what: "key")
        let value = try readField(&body, what: "value")
        guard let headerCount = body.readVarint(), headerCount >= 0, Int(headerCount) <= body.readableBytes / 2 else {
            throw .invalidRecord("bad header count")
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(min(Int(headerCount), 16))
        for _ in 0..<headerCount {
            guard let keyBytes = try readField(&body, what: "header key") else {
                throw .invalidRecord("null header key")
            }
            let headerKey = String(buffer: keyBytes)
            headers.append(RecordHeader(key: headerKey, value: try readField(&body, what: "header value")))
        }
        return Record(
            attributes: attributes, timestampDelta: timestampDelta, offsetDelta: offsetDelta,
            key: key, value: value, headers: headers)
    }

    private static func readField(_ body: inout ByteBuffer, what: String) throws(RecordBatchError) -> ByteBuffer? {
        guard let length = body.readVarint() else { throw .invalidRecord("bad \(what) length") }
        if length == -1 { return nil }
        guard length >= 0, let slice = body.readSlice(length: Int(length)) else {
            throw .invalidRecord("\(what) length \(length) outside the record")
        }
        return slice
    }
}

extension RecordBatch {
    /// The records of an uncompressed batch. For a compressed batch, decompress `recordsSection` first
    /// and build a `RecordReader` over the result.
    /// - Throws: `RecordBatchError.invalidRecord` when the batch is compressed.
    public func recordReader() throws(RecordBatchError) -> RecordReader {
        guard compressionCodec == 0 else { throw .invalidRecord("batch is compressed (codec \(compressionCodec))") }
        return RecordReader(records: recordsSection, count: Int(recordsCount))
    }

    /// The bytes after the 61-byte header: the records, compressed or not.
    public var recordsSection: ByteBuffer {
        buffer.getSlice(at: buffer.readerIndex + Self.headerSize, length: sizeInBytes - Self.headerSize) ?? ByteBuffer()
    }

    /// All records of an uncompressed batch, checking that the batch holds exactly the records it announces.
    /// - Throws: `RecordBatchError` for malformed records, or for a compressed batch.
    public func records() throws(RecordBatchError) -> [Record] {
        var reader = try recordReader()
        var records: [Record] = []
        records.reserveCapacity(min(Int(recordsCount), sizeInBytes / 7, 4096))  // a record is at least 7 bytes
        while let record = try reader.next() { records.append(record) }
        if reader.trailingBytes != 0 { throw .invalidRecord("\(reader.trailingBytes) bytes after the last record") }
        return records
    }
}
