import NIOCore
import Testing
@testable import SpoolRecords

@Suite("Records and the batch builder")
struct RecordTests {
    private func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Proves a built batch passes validation and its records read back with keys, values and headers.
    @Test func buildThenIterate() throws {
        var builder = RecordBatchBuilder(producerId: 7, producerEpoch: 1, baseSequence: 0)
        builder.append(key: bytes("k1"), value: bytes("v1"), timestamp: 1_000)
        builder.append(
            key: nil, value: bytes("v2"), headers: [RecordHeader(key: "h", value: bytes("x"))], timestamp: 1_005)
        builder.append(key: bytes("k3"), value: nil, headers: [RecordHeader(key: "n", value: nil)], timestamp: 990)
        let batch = try RecordBatch(buffer: builder.build())
        try batch.validate()
        #expect(batch.recordsCount == 3)
        #expect(batch.lastOffsetDelta == 2)
        #expect(batch.baseTimestamp == 1_000)
        #expect(batch.maxTimestamp == 1_005)
        #expect(batch.producerId == 7)
        let records = try batch.records()
        #expect(records.count == 3)
        #expect(records[0].key == bytes("k1"))
        #expect(records[1].key == nil)
        #expect(records[1].headers == [RecordHeader(key: "h", value: bytes("x"))])
        #expect(records[1].timestampDelta == 5)
        #expect(records[2].value == nil)
        #expect(records[2].timestampDelta == -10)
        #expect(records.map(\.offsetDelta) == [0, 1, 2])
    }

    /// Proves the record encoding matches Kafka's DefaultRecord byte for byte on a hand-computed example.
    @Test func knownRecordBytes() {
        var buffer = ByteBuffer()
        Record(timestampDelta: 0, offsetDelta: 1, key: nil, value: ByteBuffer(bytes: [0x61])).write(into: &buffer)
        // length 7 (zigzag 14), attributes 0, tsDelta 0, offsetDelta 1 (2), key -1 (1), value 1 (2) 'a', headers 0.
        #expect(Array(buffer.readableBytesView) == [14, 0, 0, 2, 1, 2, 0x61, 0])
    }

    /// Proves truncated and inconsistent records throw instead of trapping.
    @Test func malformedRecords() throws {
        var builder = RecordBatchBuilder()
        builder.append(
            key: bytes("key"), value: bytes("value"), headers: [RecordHeader(key: "h", value: bytes("v"))], timestamp: 1)
        let records = builder.uncompressedRecords
        for cut in 0..<records.readableBytes {
            var reader = RecordReader(records: records.getSlice(at: 0, length: cut) ?? ByteBuffer(), count: 1)
            #expect(throws: RecordBatchError.self) { _ = try reader.next() }
        }
        var lying = records
        lying.setInteger(UInt8(0x7E), at: 4)  // key length varint claims 63 bytes
        var reader = RecordReader(records: lying, count: 1)
        #expect(throws: RecordBatchError.self) { _ = try reader.next() }
    }

    /// Proves a compressed batch is refused by the plain reader rather than misread.
    @Test func compressedBatchNeedsDecompression() throws {
        var builder = RecordBatchBuilder()
        builder.append(key: nil, value: bytes("v"), timestamp: 1)
        let batch = try RecordBatch(buffer: builder.build(codec: 1, compressedRecords: bytes("not really gzip")))
        try batch.validate()
        #expect(batch.compressionCodec == 1)
        #expect(throws: RecordBatchError.self) { _ = try batch.records() }
    }
}
