import NIOCore
import SpoolTestSupport
@testable import SpoolProtocol

/// The round trips' seeded generator (SplitMix64, shared with the other test targets), so that every failing
/// round trip can be replayed from its seed; the value makers below are what the generated code calls.
typealias TestRandom = SplitMix64

extension SplitMix64 {
    /// Any value of the type, biased towards the edges (0, -1, min, max) a quarter of the time.
    mutating func integer<T: FixedWidthInteger>(_ type: T.Type) -> T {
        switch Int.random(in: 0..<16, using: &self) {
        case 0: return 0
        case 1: return T.max
        case 2: return T.min
        case 3: return T.isSigned ? T(truncatingIfNeeded: -1) : 1
        default: return T(truncatingIfNeeded: next())
        }
    }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func oneIn(_ n: Int) -> Bool { Int.random(in: 0..<n, using: &self) == 0 }

    /// A finite double (NaN would not compare equal to itself).
    mutating func double() -> Double { Double.random(in: -1e12...1e12, using: &self) }

    mutating func uuid() -> KafkaUUID { KafkaUUID(high: next(), low: next()) }

    /// Short strings, sometimes empty, sometimes with multi-byte UTF-8.
    mutating func string() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz-._0123456789é✓")
        let length = Int.random(in: 0...12, using: &self)
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &self)] })
    }

    mutating func bytes() -> ByteBuffer {
        let length = Int.random(in: 0...24, using: &self)
        var buffer = ByteBuffer()
        for _ in 0..<length { buffer.writeInteger(UInt8(truncatingIfNeeded: next())) }
        return buffer
    }

    mutating func array<T>(_ element: (inout TestRandom) -> T) -> [T] {
        let count = Int.random(in: 0...3, using: &self)
        var items: [T] = []
        for _ in 0..<count { items.append(element(&self)) }
        return items
    }

    /// Unknown tagged fields with tags above every tag Kafka uses, in ascending order as on the wire.
    mutating func unknownTaggedFields() -> [KafkaTaggedField] {
        guard oneIn(4) else { return [] }
        return (0..<Int.random(in: 1...2, using: &self)).map { index in
            KafkaTaggedField(tag: UInt32(10_000 + index * 7), data: bytes())
        }
    }
}

/// A generated message that can make seeded random values of any of its versions.
protocol RandomKafkaMessage: KafkaMessage {
    /// The value with every field at the schema's default.
    static var defaultValue: Self { get }
    static func random(_ g: inout TestRandom, version: Int16) -> Self
}
