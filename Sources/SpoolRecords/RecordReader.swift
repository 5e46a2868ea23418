import NIOCore

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

    /// Where one record's parts sit, relative to the reader index.
    private struct Layout {
        var size = 0
        var attributes: Int8 = 0
        var timestampDelta: Int64 = 0
        var offsetDelta: Int32 = 0
        var key = (start: 0, length: -1)
        var value = (start: 0, length: -1)
        var headersStart = 0
        var headerCount: Int32 = 0
    }

    /// Locates one record's fields in a single pass over the raw bytes, checking every length.
    private static func layout(_ raw: UnsafeRawBufferPointer) -> Result<Layout, RecordBatchError> {
        var cursor = RawRecordReader(raw, limit: raw.count)
        guard let length = cursor.varint() else { return .failure(.invalidRecord("bad record length varint")) }
        guard length >= 0, Int(length) <= raw.count - cursor.position else {
            return .failure(.truncated(needed: Int(length), available: raw.count - cursor.position))
        }
        var layout = Layout()
        layout.size = cursor.position + Int(length)
        cursor = RawRecordReader(raw, position: cursor.position, limit: layout.size)
        guard let attributes = cursor.byte(), let timestampDelta = cursor.varlong(),
            let offsetDelta = cursor.varint()
        else { return .failure(.invalidRecord("short record header")) }
        guard let key = cursor.field() else { return .failure(.invalidRecord("key length outside the record")) }
        guard let value = cursor.field() else { return .failure(.invalidRecord("value length outside the record")) }
        guard let headerCount = cursor.varint(), headerCount >= 0,
            Int(headerCount) <= (layout.size - cursor.position) / 2
        else { return .failure(.invalidRecord("bad header count")) }
        if headerCount == 0, cursor.position != layout.size {
            return .failure(.invalidRecord("\(layout.size - cursor.position) bytes after the record's fields"))
        }
        layout.attributes = Int8(bitPattern: attributes)
        layout.timestampDelta = timestampDelta
        layout.offsetDelta = offsetDelta
        layout.key = key
        layout.value = value
        layout.headersStart = cursor.position
        layout.headerCount = headerCount
        return .success(layout)
    }

    /// The next record, or nil after the announced count.
    /// - Throws: `RecordBatchError` for a short or malformed record.
    public mutating func next() throws(RecordBatchError) -> Record? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        let layout = try buffer.withUnsafeReadableBytes { Self.layout($0) }.get()
        let base = buffer.readerIndex
        let key = layout.key.length < 0 ? nil : buffer.getSlice(at: base + layout.key.start, length: layout.key.length)
        let value =
            layout.value.length < 0 ? nil : buffer.getSlice(at: base + layout.value.start, length: layout.value.length)
        var headers: [RecordHeader] = []
        if layout.headerCount > 0 {
            let sectionLength = layout.size - layout.headersStart
            guard var section = buffer.getSlice(at: base + layout.headersStart, length: sectionLength) else {
                throw .invalidRecord("header section outside the record")
            }
            headers = try Self.headers(&section, count: layout.headerCount)
        }
        buffer.moveReaderIndex(forwardBy: layout.size)
        return Record(
            attributes: layout.attributes, timestampDelta: layout.timestampDelta, offsetDelta: layout.offsetDelta,
            key: key, value: value, headers: headers)
    }

    /// Reads `count` headers that must fill `section` exactly.
    private static func headers(_ section: inout ByteBuffer, count: Int32) throws(RecordBatchError) -> [RecordHeader] {
        var headers: [RecordHeader] = []
        headers.reserveCapacity(min(Int(count), 16))
        for _ in 0..<count {
            guard let keyBytes = try readField(&section, what: "header key") else {
                throw .invalidRecord("null header key")
            }
            let headerValue = try readField(&section, what: "header value")
            headers.append(RecordHeader(key: String(buffer: keyBytes), value: headerValue))
        }
        guard section.readableBytes == 0 else {
            throw .invalidRecord("\(section.readableBytes) bytes after the record's headers")
        }
        return headers
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

    /// A record's timestamp as consumers see it: with LogAppendTime the broker stamps only the header, so every
    /// record has the batch's max timestamp; with CreateTime it is the base timestamp plus the record's delta.
    /// - Parameter record: a record read from this batch.
    public func timestamp(of record: Record) -> Int64 {
        isLogAppendTime ? maxTimestamp : baseTimestamp &+ record.timestampDelta
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
