import NIOCore
import SpoolRecords

// Length and count prefixes shared by strings, bytes, records and arrays.
// Classic encodings use int16 (strings) or int32 (bytes, records, arrays) with -1 for null; the compact
// encodings of flexible versions use an unsigned varint holding length + 1, with 0 for null.
// Every length is checked against the bytes that remain before anything is allocated or sliced.

extension ByteBuffer {
    /// Reads a length prefix and checks it against the readable bytes.
    /// - Parameters:
    ///   - flexible: whether the compact (unsigned varint, length + 1) form is in use.
    ///   - wide: in the classic form, whether the prefix is int32 (bytes, arrays) rather than int16 (strings).
    ///   - what: names the value in errors.
    /// - Returns: the length, or `nil` for null.
    /// - Throws: `KafkaProtocolError` for a short prefix, a negative length other than -1, or a length
    ///   larger than the bytes that remain.
    @inlinable
    public mutating func readKafkaLength(flexible: Bool, wide: Bool, what: String) throws(KafkaProtocolError) -> Int? {
        let length: Int
        if flexible {
            let raw = try readKafkaUnsignedVarint()
            if raw == 0 { return nil }
            length = Int(raw) - 1
        } else {
            length = wide ? Int(try readKafkaInteger(as: Int32.self)) : Int(try readKafkaInteger(as: Int16.self))
            if length == -1 { return nil }
            if length < 0 { throw .negativeLength(what, length) }
        }
        // Every element or byte takes at least one byte, so no honest length exceeds what remains.
        if length > self.readableBytes { throw .truncated(what, needed: length, available: self.readableBytes) }
        return length
    }

    /// Writes a length prefix, or the null marker when `length` is nil.
    /// - Parameters:
    ///   - length: the length, or nil for null.
    ///   - flexible: whether to use the compact (unsigned varint, length + 1) form.
    ///   - wide: in the classic form, whether the prefix is int32 rather than int16.
    ///   - what: names the value in errors.
    /// - Throws: `KafkaProtocolError.valueTooLong` if the length does not fit the prefix.
    @inlinable
    public mutating func writeKafkaLength(
        _ length: Int?, flexible: Bool, wide: Bool, what: String
    ) throws(KafkaProtocolError) {
        guard let length else {
            if flexible {
                self.writeInteger(UInt8(0))
            } else if wide {
                self.writeInteger(Int32(-1), endianness: .big)
            } else {
                self.writeInteger(Int16(-1), endianness: .big)
            }
            return
        }
        if flexible {
            guard length < Int(UInt32.max) else { throw .valueTooLong(what, length: length) }
            self.writeUnsignedVarint(UInt32(length + 1))
        } else if wide {
            guard length <= Int(Int32.max) else { throw .valueTooLong(what, length: length) }
            self.writeInteger(Int32(length), endianness: .big)
        } else {
            guard length <= Int(Int16.max) else { throw .valueTooLong(what, length: length) }
            self.writeInteger(Int16(length), endianness: .big)
        }
    }

    /// Reads an array's element count (int32, or compact unsigned varint in flexible versions).
    /// - Parameters:
    ///   - flexible: whether the compact form is in use.
    ///   - nullable: whether this version allows a null array.
    /// - Returns: the count, or `nil` for a null array.
    /// - Throws: `KafkaProtocolError` for a malformed count, a count larger than the bytes that remain,
    ///   or a null where the version forbids one.
    @inlinable
    public mutating func readKafkaArrayCount(flexible: Bool, nullable: Bool) throws(KafkaProtocolError) -> Int? {
        let count = try readKafkaLength(flexible: flexible, wide: true, what: "array")
        if count == nil, !nullable { throw .unexpectedNull("array") }
        return count
    }

    /// Reads the element count of an array that may not be null.
    /// - Parameter flexible: whether the compact form is in use.
    /// - Throws: as `readKafkaArrayCount(flexible:nullable:)`.
    @inlinable
    public mutating func readKafkaArrayCount(flexible: Bool) throws(KafkaProtocolError) -> Int {
        guard let count = try readKafkaArrayCount(flexible: flexible, nullable: false) else {
            throw .unexpectedNull("array")
        }
        return count
    }

    /// Writes an array's element count, or the null marker.
    /// - Parameters:
    ///   - count: the count, or nil for a null array.
    ///   - flexible: whether to use the compact form.
    ///   - nullable: whether this version allows a null array.
    /// - Throws: `KafkaProtocolError.unexpectedNull` for a null the version cannot express.
    @inlinable
    public mutating func writeKafkaArrayCount(
        _ count: Int?, flexible: Bool, nullable: Bool = false
    ) throws(KafkaProtocolError) {
        if count == nil, !nullable { throw .unexpectedNull("array") }
        try writeKafkaLength(count, flexible: flexible, wide: true, what: "array")
    }

    /// Reads the null marker of a nullable struct: -1 for null, anything else for a present value.
    /// - Parameter nullable: whether this version allows a null struct (if not, nothing is read).
    /// - Returns: whether a value follows.
    /// - Throws: `KafkaProtocolError.truncated` at the end of the buffer.
    @inlinable
    public mutating func readKafkaStructPresence(nullable: Bool) throws(KafkaProtocolError) -> Bool {
        guard nullable else { return true }
        return try readKafkaInteger(as: Int8.self) >= 0
    }

    /// Writes the null marker of a nullable struct (-1 absent, 1 present) when the version allows null.
    /// - Parameters:
    ///   - present: whether a value follows.
    ///   - nullable: whether this version allows a null struct.
    /// - Throws: `KafkaProtocolError.unexpectedNull` for a null the version cannot express.
    @inlinable
    public mutating func writeKafkaStructPresence(_ present: Bool, nullable: Bool) throws(KafkaProtocolError) {
        guard nullable else {
            if !present { throw .unexpectedNull("struct") }
            return
        }
        self.writeInteger(present ? Int8(1) : Int8(-1))
    }
}
