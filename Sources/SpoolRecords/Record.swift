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

    /// Writes the record, length prefix included, in one pass over the buffer's free space.
    /// - Parameter buffer: where to write.
    public func write(into buffer: inout ByteBuffer) {
        let body = bodySize
        let total = KafkaVarint.signedSize(Int64(body)) + body
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { raw in
            var out = RawRecordWriter(raw)
            out.putVarlong(Int64(body))
            out.putByte(UInt8(bitPattern: attributes))
            out.putVarlong(timestampDelta)
            out.putVarlong(Int64(offsetDelta))
            out.putField(key)
            out.putField(value)
            out.putVarlong(Int64(headers.count))
            for header in headers {
                out.putString(header.key)
                out.putField(header.value)
            }
            precondition(out.position == total, "record size computed as \(total), wrote \(out.position)")
            return total
        }
    }
}
