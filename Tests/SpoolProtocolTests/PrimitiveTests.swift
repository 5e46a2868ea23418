import NIOCore
import PropertyBased
import SpoolRecords
import Testing
@testable import SpoolProtocol

@Suite("Primitives")
struct PrimitiveTests {
    /// Proves the unsigned varint encoding matches Kafka's LEB128 on known values and that the edges round-trip.
    @Test func unsignedVarintKnownBytes() throws {
        let cases: [(UInt32, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (UInt32.max, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeUnsignedVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes)
            #expect(try buffer.readKafkaUnsignedVarint() == value)
            #expect(KafkaVarint.unsignedSize(UInt64(value)) == bytes.count)
        }
    }

    /// Proves zigzag varints match Kafka's ByteUtils on known values.
    @Test func zigzagKnownBytes() throws {
        let cases: [(Int32, [UInt8])] = [
            (0, [0]), (-1, [1]), (1, [2]), (-2, [3]), (63, [0x7E]), (-64, [0x7F]), (64, [0x80, 0x01]),
        ]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes)
            #expect(try buffer.readKafkaVarint() == value)
        }
    }

    /// Proves every Int32 and Int64 survives zigzag encoding (property-based).
    @Test func zigzagRoundTrip() async {
        await propertyCheck(count: 2_000, input: Gen.int32(in: Int32.min...Int32.max)) { value in
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(buffer.readVarint() == value)
            #expect(buffer.readableBytes == 0)
        }
        await propertyCheck(count: 2_000, input: Gen.int64(in: Int64.min...Int64.max)) { value in
            var buffer = ByteBuffer()
            let written = buffer.writeVarlong(value)
            #expect(written == KafkaVarint.signedSize(value))
            #expect(buffer.readVarlong() == value)
        }
    }

    /// Proves over-long and truncated varints are refused without moving the reader index.
    @Test func malformedVarints() {
        var tooLong = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(tooLong.readUnsignedVarint() == nil)
        #expect(tooLong.readerIndex == 0)
        var overflow32 = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(overflow32.readUnsignedVarint() == nil)
        var truncated = ByteBuffer(bytes: [0x80, 0x80])
        #expect(truncated.readVarint() == nil)
        var overflow64 = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(overflow64.readVarlong() == nil)
        var empty = ByteBuffer()
        #expect(throws: KafkaProtocolError.malformedVarint) { try empty.readKafkaUnsignedVarint() }
    }

    /// Proves classic and compact strings use the right prefixes and that null is -1 / 0.
    @Test func strings() throws {
        var buffer = ByteBuffer()
        try buffer.writeKafkaString("kafka", flexible: false)
        try buffer.writeKafkaNullableString(nil, flexible: false)
        try buffer.writeKafkaString("kafka", flexible: true)
        try buffer.writeKafkaNullableString(nil, flexible: true)
        #expect(
            Array(buffer.readableBytesView) == [0, 5] + Array("kafka".utf8) + [0xFF, 0xFF, 6] + Array("kafka".utf8) + [
                0
            ])
        #expect(try buffer.readKafkaString(flexible: false) == "kafka")
        #expect(try buffer.readKafkaNullableString(flexible: false) == nil)
        #expect(try buffer.readKafkaString(flexible: true) == "kafka")
        #expect(throws: KafkaProtocolError.unexpectedNull("string")) { try buffer.readKafkaString(flexible: true) }
    }

    /// Proves lengths larger than the remaining bytes and negative lengths are refused before allocating.
    @Test func hostileLengths() {
        var hugeString = ByteBuffer(bytes: [0x7F, 0xFF, 0x61])
        #expect(throws: KafkaProtocolError.self) { try hugeString.readKafkaString(flexible: false) }
        var negative = ByteBuffer(bytes: [0xFF, 0xFE])
        #expect(throws: KafkaProtocolError.negativeLength("string", -2)) {
            try negative.readKafkaString(flexible: false)
        }
        var hugeArray = ByteBuffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF, 0, 0])
        #expect(throws: KafkaProtocolError.self) { try hugeArray.readKafkaArrayCount(flexible: false) }
        var hugeCompactBytes = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: KafkaProtocolError.self) { try hugeCompactBytes.readKafkaBytes(flexible: true) }
        var hugeTags = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: KafkaProtocolError.self) { try hugeTags.readKafkaTaggedFields() }
    }

    /// Proves bytes are read as zero-copy slices of the input.
    @Test func bytesAreSlices() throws {
        var buffer = ByteBuffer()
        try buffer.writeKafkaBytes(ByteBuffer(bytes: [1, 2, 3]), flexible: true)
        let slice = try buffer.readKafkaBytes(flexible: true)
        #expect(Array(slice.readableBytesView) == [1, 2, 3])
        #expect(buffer.readableBytes == 0)
    }

    /// Proves UUIDs are 16 big-endian bytes and print in the usual form.
    @Test func uuid() throws {
        let value = KafkaUUID(high: 0x0123_4567_89AB_CDEF, low: 0x0011_2233_4455_6677)
        var buffer = ByteBuffer()
        buffer.writeKafkaUUID(value)
        #expect(buffer.readableBytes == 16)
        #expect(value.description == "01234567-89ab-cdef-0011-223344556677")
        #expect(try buffer.readKafkaUUID() == value)
    }

    /// Proves unknown tagged fields are kept and written back in ascending tag order.
    @Test func taggedFieldsSortedOnWrite() throws {
        var writer = KafkaTaggedFieldWriter(unknown: [KafkaTaggedField(tag: 9, data: ByteBuffer(bytes: [9]))])
        try writer.append(tag: 2) { (data: inout ByteBuffer) throws(KafkaProtocolError) in data.writeInteger(UInt8(2)) }
        var buffer = ByteBuffer()
        writer.write(into: &buffer)
        #expect(Array(buffer.readableBytesView) == [2, 2, 1, 2, 9, 1, 9])
        let fields = try buffer.readKafkaTaggedFields()
        #expect(fields.map(\.tag) == [2, 9])
    }
}
