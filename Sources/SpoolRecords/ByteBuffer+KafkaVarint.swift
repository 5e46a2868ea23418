import NIOCore

// Kafka's variable-length integers: unsigned LEB128 (used for compact lengths and tagged fields) and
// zigzag-encoded signed varints (used inside records). They live here rather than in SpoolProtocol because
// record iteration needs them and SpoolRecords cannot import SpoolProtocol.
//
// Naming follows NIO: `read*` moves the reader index, `get*(at:)` does not. A short or over-long varint
// yields `nil`, never a trap.

extension ByteBuffer {
    /// Decodes an unsigned LEB128 value of at most `maxBytes` bytes at `index`, without moving the reader index.
    /// - Returns: the value and its encoded length, or `nil` when the bytes end first or the varint is too long.
    @inlinable
    func _getVarintBits(at index: Int, maxBytes: Int) -> (value: UInt64, length: Int)? {
        guard index >= self.readerIndex, index < self.writerIndex else { return nil }
        return self.withUnsafeReadableBytes { raw -> (value: UInt64, length: Int)? in
            var position = index - self.readerIndex
            var result: UInt64 = 0
            var shift: UInt64 = 0
            var length = 0
            while position < raw.count, length < maxBytes {
                let byte = raw[position]
                position += 1
                length += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return (result, length) }
                shift += 7
            }
            return nil
        }
    }

    /// The unsigned 32-bit varint at `index` and its length in bytes, or `nil` if short or malformed.
    /// Does not move the reader index.
    /// - Parameter index: where the varint starts.
    @inlinable
    public func getUnsignedVarint(at index: Int) -> (value: UInt32, length: Int)? {
        guard let (bits, length) = _getVarintBits(at: index, maxBytes: 5), bits <= UInt64(UInt32.max) else {
            return nil
        }
        return (UInt32(truncatingIfNeeded: bits), length)
    }

    /// The unsigned 64-bit varint at `index` and its length in bytes, or `nil` if short or malformed.
    /// Does not move the reader index.
    /// - Parameter index: where the varint starts.
    @inlinable
    public func getUnsignedVarlong(at index: Int) -> (value: UInt64, length: Int)? {
        guard let (bits, length) = _getVarintBits(at: index, maxBytes: 10) else { return nil }
        // The tenth byte may only carry the top bit of a 64-bit value.
        if length == 10, self.getInteger(at: index + 9, as: UInt8.self).map({ $0 > 1 }) ?? true { return nil }
        return (bits, length)
    }

    /// The zigzag-encoded signed 32-bit varint at `index` and its length, or `nil` if short or malformed.
    /// - Parameter index: where the varint starts.
    @inlinable
    public func getVarint(at index: Int) -> (value: Int32, length: Int)? {
        guard let (raw, length) = getUnsignedVarint(at: index) else { return nil }
        return (Int32(bitPattern: raw >> 1) ^ -Int32(bitPattern: raw & 1), length)
    }

    /// The zigzag-encoded signed 64-bit varint at `index` and its length, or `nil` if short or malformed.
    /// - Parameter index: where the varint starts.
    @inlinable
    public func getVarlong(at index: Int) -> (value: Int64, length: Int)? {
        guard let (raw, length) = getUnsignedVarlong(at: index) else { return nil }
        return (Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1), length)
    }

    /// Reads an unsigned 32-bit varint, or returns `nil` (reader index unchanged) if short or malformed.
    @inlinable
    public mutating func readUnsignedVarint() -> UInt32? {
        guard let (value, length) = getUnsignedVarint(at: self.readerIndex) else { return nil }
        self.moveReaderIndex(forwardBy: length)
        return value
    }

    /// Reads an unsigned 64-bit varint, or returns `nil` (reader index unchanged) if short or malformed.
    @inlinable
    public mutating func readUnsignedVarlong() -> UInt64? {
        guard let (value, length) = getUnsignedVarlong(at: self.readerIndex) else { return nil }
        self.moveReaderIndex(forwardBy: length)
        return value
    }

    /// Reads a zigzag signed 32-bit varint, or returns `nil` (reader index unchanged) if short or malformed.
    @inlinable
    public mutating func readVarint() -> Int32? {
        guard let (value, length) = getVarint(at: self.readerIndex) else { return nil }
        self.moveReaderIndex(forwardBy: length)
        return value
    }

    /// Reads a zigzag signed 64-bit varint, or returns `nil` (reader index unchanged) if short or malformed.
    @inlinable
    public mutating func readVarlong() -> Int64? {
        guard let (value, length) = getVarlong(at: self.readerIndex) else { return nil }
        self.moveReaderIndex(forwardBy: length)
        return value
    }

    /// Writes `value` as an unsigned LEB128 varint.
    /// - Parameter value: the value to write.
    /// - Returns: the number of bytes written (1 to 10).
    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarlong(_ value: UInt64) -> Int {
        var remaining = value
        var written = 0
        while remaining >= 0x80 {
            self.writeInteger(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
            written += 1
        }
        self.writeInteger(UInt8(truncatingIfNeeded: remaining))
        return written + 1
    }

    /// Writes `value` as an unsigned LEB128 varint.
    /// - Parameter value: the value to write.
    /// - Returns: the number of bytes written (1 to 5).
    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarint(_ value: UInt32) -> Int {
        writeUnsignedVarlong(UInt64(value))
    }

    /// Writes `value` zigzag-encoded as a signed varint.
    /// - Parameter value: the value to write.
    /// - Returns: the number of bytes written (1 to 5).
    @inlinable
    @discardableResult
    public mutating func writeVarint(_ value: Int32) -> Int {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    /// Writes `value` zigzag-encoded as a signed varlong.
    /// - Parameter value: the value to write.
    /// - Returns: the number of bytes written (1 to 10).
    @inlinable
    @discardableResult
    public mutating func writeVarlong(_ value: Int64) -> Int {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}

/// Sizes of varint encodings, for callers that must know a length before writing it.
public enum KafkaVarint {
    /// How many bytes the unsigned varint encoding of `value` takes.
    /// - Parameter value: the value to measure.
    @inlinable
    public static func unsignedSize(_ value: UInt64) -> Int {
        var size = 1
        var remaining = value >> 7
        while remaining != 0 {
            size += 1
            remaining >>= 7
        }
        return size
    }

    /// How many bytes the zigzag varint encoding of `value` takes.
    /// - Parameter value: the value to measure.
    @inlinable
    public static func signedSize(_ value: Int64) -> Int {
        unsignedSize(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}
