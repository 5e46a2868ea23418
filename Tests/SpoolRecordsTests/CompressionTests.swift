import NIOCore
import Testing
@testable import SpoolRecords

@Suite("Record compression")
struct CompressionTests {
    static let sample: ByteBuffer = {
        var builder = RecordBatchBuilder()
        for index in 0..<500 {
            builder.append(key: ByteBuffer(string: "key-\(index % 7)"), value: ByteBuffer(string: "value \(index) " + String(repeating: "spool ", count: 20)),
                           headers: [RecordHeader(key: "trace", value: ByteBuffer(string: "\(index)"))], timestamp: 1_700_000_000_000 + Int64(index))
        }
        return builder.uncompressedRecords
    }()

    /// Proves every codec round-trips a records section and actually shrinks repetitive data.
    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func roundTrip(_ codec: CompressionCodec) throws {
        let compressed = try RecordCompression.compress(Self.sample, codec: codec)
        #expect(compressed.readableBytes < Self.sample.readableBytes / 3)
        let restored = try RecordCompression.decompress(compressed, codec: codec)
        #expect(restored == Self.sample)
    }

    /// Proves a compressed batch built here validates and iterates back to the same records.
    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func compressedBatches(_ codec: CompressionCodec) throws {
        var builder = RecordBatchBuilder()
        builder.append(key: ByteBuffer(string: "k"), value: ByteBuffer(string: String(repeating: "v", count: 300)), timestamp: 5)
        builder.append(key: nil, value: ByteBuffer(string: String(repeating: "w", count: 300)), timestamp: 6)
        let batch = try RecordBatch(buffer: try builder.build(compression: codec))
        try batch.validate()
        #expect(batch.compressionCodec == codec.rawValue)
        var reader = try batch.decompressedRecordReader()
        var values: [ByteBuffer?] = []
        while let record = try reader.next() { values.append(record.value) }
        #expect(values == [ByteBuffer(string: String(repeating: "v", count: 300)), ByteBuffer(string: String(repeating: "w", count: 300))])
    }

    /// Proves decompression refuses outputs past the cap (decompression bombs) and corrupt or truncated input.
    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func hostileInput(_ codec: CompressionCodec) throws {
        let compressed = try RecordCompression.compress(Self.sample, codec: codec)
        #expect(throws: (any Error).self) {
            try RecordCompression.decompress(compressed, codec: codec, maximumSize: Self.sample.readableBytes / 2)
        }
        let truncated = compressed.getSlice(at: compressed.readerIndex, length: compressed.readableBytes / 2) ?? ByteBuffer()
        #expect(throws: (any Error).self) { try RecordCompression.decompress(truncated, codec: codec) }
        #expect(throws: (any Error).self) {
            try RecordCompression.decompress(ByteBuffer(bytes: [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01]), codec: codec)
        }
    }

    /// Proves the xerial-framed snappy that the Java client writes is read too.
    @Test func xerialSnappy() throws {
        let block = try RecordCompression.compress(Self.sample, codec: .snappy)
        var framed = ByteBuffer(bytes: RecordCompression.xerialMagic)
        framed.writeInteger(Int32(1))
        framed.writeInteger(Int32(1))
        framed.writeInteger(Int32(block.readableBytes))
        framed.writeImmutableBuffer(block)
        #expect(try RecordCompression.decompress(framed, codec: .snappy) == Self.sample)
    }
}
