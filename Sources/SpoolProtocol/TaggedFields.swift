import NIOCore
import SpoolRecords

/// One entry of a flexible version's tagged-field section whose tag the decoder did not know.
///
/// Kept verbatim so that a message decoded and re-encoded keeps fields from newer Kafka versions.
public struct KafkaTaggedField: Hashable, Sendable {
    /// The tag number.
    public var tag: UInt32
    /// The field's encoded bytes, without the tag and size prefixes.
    public var data: ByteBuffer

    /// Makes a tagged field.
    /// - Parameters:
    ///   - tag: the tag number.
    ///   - data: the encoded value.
    public init(tag: UInt32, data: ByteBuffer) {
        self.tag = tag
        self.data = data
    }
}

extension ByteBuffer {
    /// Reads the count that opens a tagged-field section.
    /// - Throws: `KafkaProtocolError` for a malformed varint or a count the remaining bytes cannot hold.
    @inlinable
    public mutating func readKafkaTaggedFieldCount() throws(KafkaProtocolError) -> Int {
        let count = Int(try readKafkaUnsignedVarint())
        // Each entry takes at least two bytes (tag and size).
        if count > self.readableBytes / 2 {
            throw .truncated("tagged fields", needed: count * 2, available: self.readableBytes)
        }
        return count
    }

    /// Reads one tagged-field entry; its data is a slice of this buffer.
    /// - Throws: `KafkaProtocolError` for a malformed tag or size, or a size past the end.
    @inlinable
    public mutating func readKafkaTaggedField() throws(KafkaProtocolError) -> KafkaTaggedField {
        let tag = try readKafkaUnsignedVarint()
        let size = Int(try readKafkaUnsignedVarint())
        guard let data = self.readSlice(length: size) else {
            throw .truncated("tagged field \(tag)", needed: size, available: self.readableBytes)
        }
        return KafkaTaggedField(tag: tag, data: data)
    }

    /// Reads a whole tagged-field section when no tag is known to the caller.
    /// - Throws: `KafkaProtocolError` for malformed entries.
    @inlinable
    public mutating func readKafkaTaggedFields() throws(KafkaProtocolError) -> [KafkaTaggedField] {
        let count = try readKafkaTaggedFieldCount()
        if count == 0 { return [] }
        var fields: [KafkaTaggedField] = []
        fields.reserveCapacity(min(count, 16))  // grows with decoded entries, not with a claimed count
        for _ in 0..<count { fields.append(try readKafkaTaggedField()) }
        return fields
    }

    /// Writes a tagged-field section holding `fields`, which must be in ascending tag order.
    /// - Parameter fields: the entries to write.
    @inlinable
    public mutating func writeKafkaTaggedFields(_ fields: [KafkaTaggedField]) {
        self.writeUnsignedVarint(UInt32(truncatingIfNeeded: fields.count))
        for field in fields {
            self.writeUnsignedVarint(field.tag)
            self.writeUnsignedVarint(UInt32(truncatingIfNeeded: field.data.readableBytes))
            self.writeImmutableBuffer(field.data)
        }
    }
}

/// Collects the known tagged fields of one struct, merges the unknown ones, and writes them in tag order.
public struct KafkaTaggedFieldWriter {
    @usableFromInline var fields: [KafkaTaggedField]

    /// Starts a section that will also carry `unknown` (fields decoded earlier with tags this code does not know).
    /// - Parameter unknown: unknown fields to keep.
    @inlinable
    public init(unknown: [KafkaTaggedField]) {
        self.fields = unknown
    }

    /// Adds a known field, encoded by `body` into a fresh buffer.
    /// - Parameters:
    ///   - tag: the field's tag.
    ///   - body: writes the field's value.
    /// - Throws: whatever `body` throws.
    @inlinable
    public mutating func append(
        tag: UInt32, _ body: (inout ByteBuffer) throws(KafkaProtocolError) -> Void
    ) throws(KafkaProtocolError) {
        var data = ByteBuffer()
        try body(&data)
        fields.append(KafkaTaggedField(tag: tag, data: data))
    }

    /// Writes the section, sorted by tag as Kafka requires.
    /// - Parameter buffer: where to write.
    @inlinable
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeKafkaTaggedFields(fields.sorted { $0.tag < $1.tag })
    }
}
