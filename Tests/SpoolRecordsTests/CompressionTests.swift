import NIOCore
import Testing
@testable import SpoolRecords

@Suite("Record compression")
struct CompressionTests {
    static let sample: ByteBuffer = {
        var builder = RecordBatchBuilder()
        for index in 0..<500 {
            builder.append(
                key: ByteBuffer(string: "key-\(index % 7)"),
                value: ByteBuffer(string: "value \(index) " + String(repeating: "spool ", count: 20)),
                headers: [RecordHeader(key: "trace", value: ByteBuffer(string: "\(index)"))],
                timestamp: 1_700_000_000_000 + Int64(index))
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
        builder.append(
            key: ByteBuffer(string: "k"), value: ByteBuffer(string: String(repeating: "v", count: 300)), timestamp: 5)
        builder.append(key: nil, value: ByteBuffer(string: String(repeating: "w", count: 300)), timestamp: 6)
        let batch = try RecordBatch(buffer: try builder.build(compression: codec))
        try batch.validate()
        #expect(batch.compressionCodec == codec.rawValue)
        var reader = try batch.decompressedRecordReader()
        var values: [ByteBuffer?] = []
        while let record = try reader.next() { values.append(record.value) }
        #expect(
            values == [
                ByteBuffer(string: String(repeating: "v", count: 300)),
                ByteBuffer(string: String(repeating: "w", count: 300)),
            ])
    }

    /// Proves decompression refuses outputs past the cap (decompression bombs) and corrupt or truncated input.
    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func hostileInput(_ codec: CompressionCodec) throws {
        let compressed = try RecordCompression.compress(Self.sample, codec: codec)
        #expect(throws: (any Error).self) {
            try RecordCompression.decompress(compressed, codec: codec, maximumSize: Self.sample.readableBytes / 2)
        }
        let truncated =
            compressed.getSlice(at: compressed.readerIndex, length: compressed.readableBytes / 2) ?? ByteBuffer()
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

    /// Proves each decompressor survives 2,000 seeded corruptions of a valid stream (bit flips, truncation,
    /// random bytes) with an error or some output, never a crash, and never past the size cap.
    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func corruptedStreamsNeverCrash(_ codec: CompressionCodec) throws {
        let valid = Array(try RecordCompression.compress(Self.sample, codec: codec).readableBytesView)
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<2_000 {
            var bytes = valid
            switch next() % 3 {
            case 0: bytes[next() % bytes.count] ^= UInt8(1 << (next() % 8))
            case 1: bytes.removeSubrange((next() % bytes.count)...)
            default: for _ in 0..<4 { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
            }
            let cap = Self.sample.readableBytes * 2
            if let output = try? RecordCompression.decompress(ByteBuffer(bytes: bytes), codec: codec, maximumSize: cap)
            {
                #expect(output.readableBytes <= cap)
            }
        }
    }
}
