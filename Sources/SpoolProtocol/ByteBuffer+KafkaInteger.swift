import NIOCore
import SpoolRecords

// Fixed-width primitives: int8...int64, uint16/uint32, float64 and boolean, all big-endian.
// Throwing wrappers over NIO's optional-returning reads, so generated decoders can `try` each field.

extension ByteBuffer {
    /// Reads a big-endian fixed-width integer (Kafka's int8...int64, uint16, uint32).
    /// - Parameter type: the integer type to read.
    /// - Throws: `KafkaProtocolError.truncated` if fewer bytes remain than the type's size.
    @inlinable
    public mutating func readKafkaInteger<T: FixedWidthInteger>(
        as type: T.Type = T.self
    ) throws(KafkaProtocolError) -> T {
        guard let value = self.readInteger(endianness: .big, as: T.self) else {
            throw .truncated("\(T.self)", needed: MemoryLayout<T>.size, available: self.readableBytes)
        }
        return value
    }

    /// Writes a big-endian fixed-width integer.
    /// - Parameter value: the value to write.
    @inlinable
    public mutating func writeKafkaInteger<T: FixedWidthInteger>(_ value: T) {
        self.writeInteger(value, endianness: .big)
    }

    /// Reads Kafka's boolean: one byte, zero is false and anything else true.
    /// - Throws: `KafkaProtocolError.truncated` at the end of the buffer.
    @inlinable
    public mutating func readKafkaBool() throws(KafkaProtocolError) -> Bool {
        try readKafkaInteger(as: UInt8.self) != 0
    }

    /// Writes Kafka's boolean as 0 or 1.
    /// - Parameter value: the value to write.
    @inlinable
    public mutating func writeKafkaBool(_ value: Bool) {
        self.writeInteger(value ? UInt8(1) : UInt8(0))
    }

    /// Reads an IEEE 754 double stored big-endian (Kafka's float64).
    /// - Throws: `KafkaProtocolError.truncated` if fewer than 8 bytes remain.
    @inlinable
    public mutating func readKafkaFloat64() throws(KafkaProtocolError) -> Double {
        Double(bitPattern: try readKafkaInteger(as: UInt64.self))
    }

    /// Writes an IEEE 754 double big-endian (Kafka's float64).
    /// - Parameter value: the value to write.
    @inlinable
    public mutating func writeKafkaFloat64(_ value: Double) {
        self.writeInteger(value.bitPattern, endianness: .big)
    }

    /// Reads an unsigned 32-bit varint.
    /// - Throws: `KafkaProtocolError.malformedVarint` if the bytes end first or it overflows 32 bits.
    @inlinable
    public mutating func readKafkaUnsignedVarint() throws(KafkaProtocolError) -> UInt32 {
        guard let value = self.readUnsignedVarint() else { throw .malformedVarint }
        return value
    }

    /// Reads a zigzag signed 32-bit varint.
    /// - Throws: `KafkaProtocolError.malformedVarint` if the bytes end first or it overflows 32 bits.
    @inlinable
    public mutating func readKafkaVarint() throws(KafkaProtocolError) -> Int32 {
        guard let value = self.readVarint() else { throw .malformedVarint }
        return value
    }

    /// Reads a zigzag signed 64-bit varint.
    /// - Throws: `KafkaProtocolError.malformedVarint` if the bytes end first or it overflows 64 bits.
    @inlinable
    public mutating func readKafkaVarlong() throws(KafkaProtocolError) -> Int64 {
        guard let value = self.readVarlong() else { throw .malformedVarint }
        return value
    }

    /// Throws unless every byte has been consumed; used after decoding a size-delimited value.
    /// - Parameter what: names the value in the error.
    /// - Throws: `KafkaProtocolError.trailingBytes` if bytes remain.
    @inlinable
    public func expectFullyConsumed(_ what: String) throws(KafkaProtocolError) {
        if self.readableBytes != 0 { throw .trailingBytes(what, count: self.readableBytes) }
    }
}
