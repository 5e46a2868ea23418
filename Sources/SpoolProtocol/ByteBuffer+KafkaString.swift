import NIOCore

// Strings (int16 length, or compact uvarint length + 1), bytes and records (int32 length, or compact).
// Bytes and records are returned as slices of the input buffer: no copy, which keeps record batches
// zero-copy from the socket to the log.

extension ByteBuffer {
    /// Reads a string that may not be null.
    /// - Parameter flexible: whether the compact encoding is in use.
    /// - Throws: `KafkaProtocolError` for a short or malformed prefix, too few bytes, or a null.
    @inlinable
    public mutating func readKafkaString(flexible: Bool) throws(KafkaProtocolError) -> String {
        guard let value = try readKafkaNullableString(flexible: flexible, nullable: false) else {
            throw .unexpectedNull("string")
        }
        return value
    }

    /// Reads a string that may be null.
    /// - Parameters:
    ///   - flexible: whether the compact encoding is in use.
    ///   - nullable: whether this version allows null; if not, a null is an error.
    /// - Throws: `KafkaProtocolError` for a short or malformed prefix, too few bytes, or a forbidden null.
    @inlinable
    public mutating func readKafkaNullableString(
        flexible: Bool, nullable: Bool = true
    ) throws(KafkaProtocolError) -> String? {
        guard let length = try readKafkaLength(flexible: flexible, wide: false, what: "string") else {
            if !nullable { throw .unexpectedNull("string") }
            return nil
        }
        guard let value = self.readString(length: length) else {
            throw .truncated("string", needed: length, available: self.readableBytes)
        }
        return value
    }

    /// Writes a string.
    /// - Parameters:
    ///   - value: the string.
    ///   - flexible: whether to use the compact encoding.
    /// - Throws: `KafkaProtocolError.valueTooLong` past 32,767 UTF-8 bytes in the classic encoding.
    @inlinable
    public mutating func writeKafkaString(_ value: String, flexible: Bool) throws(KafkaProtocolError) {
        try writeKafkaLength(value.utf8.count, flexible: flexible, wide: false, what: "string")
        self.writeString(value)
    }

    /// Writes a string or null.
    /// - Parameters:
    ///   - value: the string, or nil.
    ///   - flexible: whether to use the compact encoding.
    ///   - nullable: whether this version can express null.
    /// - Throws: `KafkaProtocolError` for a null the version cannot express or a string too long.
    @inlinable
    public mutating func writeKafkaNullableString(
        _ value: String?, flexible: Bool, nullable: Bool = true
    ) throws(KafkaProtocolError) {
        guard let value else {
            if !nullable { throw .unexpectedNull("string") }
            try writeKafkaLength(nil, flexible: flexible, wide: false, what: "string")
            return
        }
        try writeKafkaString(value, flexible: flexible)
    }

    /// Reads bytes (or records) that may not be null, as a slice sharing this buffer's storage.
    /// - Parameter flexible: whether the compact encoding is in use.
    /// - Throws: `KafkaProtocolError` for a short or malformed prefix, too few bytes, or a null.
    @inlinable
    public mutating func readKafkaBytes(flexible: Bool) throws(KafkaProtocolError) -> ByteBuffer {
        guard let value = try readKafkaNullableBytes(flexible: flexible, nullable: false) else {
            throw .unexpectedNull("bytes")
        }
        return value
    }

    /// Reads bytes (or records) that may be null, as a slice sharing this buffer's storage.
    /// - Parameters:
    ///   - flexible: whether the compact encoding is in use.
    ///   - nullable: whether this version allows null.
    /// - Throws: `KafkaProtocolError` for a short or malformed prefix, too few bytes, or a forbidden null.
    @inlinable
    public mutating func readKafkaNullableBytes(
        flexible: Bool, nullable: Bool = true
    ) throws(KafkaProtocolError) -> ByteBuffer? {
        guard let length = try readKafkaLength(flexible: flexible, wide: true, what: "bytes") else {
            if !nullable { throw .unexpectedNull("bytes") }
            return nil
        }
        guard let slice = self.readSlice(length: length) else {
            throw .truncated("bytes", needed: length, available: self.readableBytes)
        }
        return slice
    }

    /// Writes bytes (or records): the readable bytes of `value`.
    /// - Parameters:
    ///   - value: the bytes.
    ///   - flexible: whether to use the compact encoding.
    /// - Throws: `KafkaProtocolError.valueTooLong` if the length does not fit the prefix.
    @inlinable
    public mutating func writeKafkaBytes(_ value: ByteBuffer, flexible: Bool) throws(KafkaProtocolError) {
        try writeKafkaLength(value.readableBytes, flexible: flexible, wide: true, what: "bytes")
        self.writeImmutableBuffer(value)
    }

    /// Writes bytes (or records) or null.
    /// - Parameters:
    ///   - value: the bytes, or nil.
    ///   - flexible: whether to use the compact encoding.
    ///   - nullable: whether this version can express null.
    /// - Throws: `KafkaProtocolError` for a null the version cannot express or a value too long.
    @inlinable
    public mutating func writeKafkaNullableBytes(
        _ value: ByteBuffer?, flexible: Bool, nullable: Bool = true
    ) throws(KafkaProtocolError) {
        guard let value else {
            if !nullable { throw .unexpectedNull("bytes") }
            try writeKafkaLength(nil, flexible: flexible, wide: true, what: "bytes")
            return
        }
        try writeKafkaBytes(value, flexible: flexible)
    }
}
