import NIOCore

/// Kafka's `uuid` type: 16 bytes, as topic ids and directory ids use it.
///
/// Held as two big-endian halves so that Foundation is not needed. A value type, safe to share.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    /// The first eight bytes, big-endian.
    public var high: UInt64
    /// The last eight bytes, big-endian.
    public var low: UInt64

    /// The all-zero UUID, Kafka's "no topic id".
    public static let zero = KafkaUUID(high: 0, low: 0)

    /// Makes a UUID from its two halves.
    /// - Parameters:
    ///   - high: the first eight bytes, big-endian.
    ///   - low: the last eight bytes, big-endian.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The usual 8-4-4-4-12 lowercase hex form.
    public var description: String {
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let characters = Array(hex)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return groups.joined(separator: "-")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension ByteBuffer {
    /// Reads a 16-byte UUID.
    /// - Throws: `KafkaProtocolError.truncated` if fewer than 16 bytes remain.
    @inlinable
    public mutating func readKafkaUUID() throws(KafkaProtocolError) -> KafkaUUID {
        guard self.readableBytes >= 16 else { throw .truncated("uuid", needed: 16, available: self.readableBytes) }
        let high = try readKafkaInteger(as: UInt64.self)
        let low = try readKafkaInteger(as: UInt64.self)
        return KafkaUUID(high: high, low: low)
    }

    /// Writes a 16-byte UUID.
    /// - Parameter value: the UUID to write.
    @inlinable
    public mutating func writeKafkaUUID(_ value: KafkaUUID) {
        self.writeInteger(value.high, endianness: .big)
        self.writeInteger(value.low, endianness: .big)
    }
}
