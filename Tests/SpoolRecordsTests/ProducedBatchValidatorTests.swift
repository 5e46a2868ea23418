import NIOCore
import SpoolTestSupport
import Testing
@testable import SpoolRecords

@Suite("Produced batch validation (Kafka's LogValidator client rules)")
struct ProducedBatchValidatorTests {
    static let limit = 1 << 20

    private func refusal(_ bytes: ByteBuffer, maxDecompressedBytes: Int = limit, checksum: Bool = true,
                         requireKeys: Bool = false) throws -> RecordBatchError?
    {
        let batch = try RecordBatch(buffer: bytes)
        do {
            try ProducedBatchValidator.validate(
                batch, maxBytes: nil, maxDecompressedBytes: maxDecompressedBytes, checksum: checksum,
                requireKeys: requireKeys)
            return nil
        } catch {
            return error
        }
    }

    /// Proves each CRC-valid malformed kind from issue 11 is refused with its Kafka code, while the log's integrity
    /// check (what recovery runs) still passes it: the client rules are kept apart from integrity.
    @Test(arguments: MalformedBatch.allCases)
    func malformedKindIsRefused(_ kind: MalformedBatch) throws {
        let bytes = kind.bytes
        for checksum in [true, false] {
            let error = try #require(try refusal(bytes, checksum: checksum), "\(kind) was accepted")
            #expect(error.kind == kind.expectedKind, "\(kind), checksum \(checksum): \(error)")
        }
        #expect(throws: Never.self, "\(kind) must stay CRC-valid") { try RecordBatch(buffer: bytes).validate() }
    }

    /// Proves that when the CRC is left to the log, a damaged batch that also breaks a rule is still answered
    /// CORRUPT_MESSAGE (2), which clients retry, and not with the rule the damage happens to break.
    @Test(arguments: MalformedBatch.allCases)
    func damageIsReportedAsCorruption(_ kind: MalformedBatch) throws {
        var bytes = kind.bytes
        let crcIndex = bytes.readerIndex + 17
        bytes.setInteger(~(bytes.getInteger(at: crcIndex, as: UInt32.self) ?? 0), at: crcIndex)
        for checksum in [true, false] {
            #expect(try refusal(bytes, checksum: checksum)?.kind == .corrupt, "\(kind), checksum \(checksum)")
        }
    }

    /// Proves well-formed batches of every codec pass: keys, null values, headers, many records.
    @Test(arguments: CompressionCodec.allCases)
    func validBatchesPass(_ codec: CompressionCodec) throws {
        var builder = RecordBatchBuilder()
        for index in 0..<500 {
            builder.append(
                key: index % 3 == 0 ? nil : ByteBuffer(string: "key-\(index)"),
                value: index % 5 == 0 ? nil : ByteBuffer(string: String(repeating: "v", count: index)),
                headers: (0..<index % 4).map {
                    RecordHeader(key: "h\($0)", value: $0 == 1 ? nil : ByteBuffer(string: "x"))
                },
                timestamp: 1_764_000_000_000 + Int64(index * 7))
        }
        #expect(try refusal(try builder.build(compression: codec)) == nil)
        var single = RecordBatchBuilder()
        single.append(key: nil, value: nil, timestamp: -1)
        #expect(try refusal(try single.build(compression: codec)) == nil)
    }

    /// Proves that with keys required (a compacted topic) a record without a key is refused with INVALID_RECORD
    /// (87) naming its index, in a compressed batch too (the walk after decompression sees it), while an empty key
    /// and a null value pass, and a keyless batch passes when keys are not required.
    @Test(arguments: CompressionCodec.allCases)
    func keysRequired(_ codec: CompressionCodec) throws {
        var keyless = RecordBatchBuilder()
        for index in 0..<5 {
            keyless.append(key: index == 3 ? nil : ByteBuffer(string: "k\(index)"), value: nil, timestamp: 0)
        }
        let bytes = try keyless.build(compression: codec)
        for checksum in [true, false] {
            let error = try #require(try refusal(bytes, checksum: checksum, requireKeys: true))
            #expect(error.kind == .invalidRecord && error.missingKeyRecordIndex == 3, "\(error)")
        }
        #expect(try refusal(bytes) == nil)
        var keyed = RecordBatchBuilder()
        keyed.append(key: ByteBuffer(), value: nil, timestamp: 0)
        keyed.append(key: ByteBuffer(string: "k"), value: ByteBuffer(string: "v"), timestamp: 0)
        #expect(try refusal(try keyed.build(compression: codec), requireKeys: true) == nil)
        #expect(RecordBatchError.invalidRecord("x").missingKeyRecordIndex == nil)
    }

    /// Proves a compressed batch that decompresses past the bound is refused with MESSAGE_TOO_LARGE (10), and one
    /// whose count cannot fit the bound is refused with INVALID_RECORD before it is decompressed.
    @Test(arguments: [CompressionCodec.gzip, .snappy, .lz4, .zstd])
    func decompressionBound(_ codec: CompressionCodec) throws {
        var builder = RecordBatchBuilder()
        for _ in 0..<100 {
            builder.append(key: nil, value: ByteBuffer(repeating: 0x61, count: 10_000), timestamp: 0)
        }
        let bytes = try builder.build(compression: codec)
        #expect(try refusal(bytes, maxDecompressedBytes: 500_000)?.kind == .tooLarge)
        #expect(try refusal(bytes, maxDecompressedBytes: 1_100_000) == nil)
        #expect(try refusal(bytes, maxDecompressedBytes: 699)?.kind == .invalidRecord)
    }

    /// Proves an idempotent batch without a base sequence, a null header key and bytes inside a record after its
    /// fields are each refused with INVALID_RECORD (87).
    @Test func otherClientRules() throws {
        var idempotent = RecordBatchBuilder(producerId: 7, producerEpoch: 0, baseSequence: -1)
        idempotent.append(key: nil, value: ByteBuffer(string: "v"), timestamp: 0)
        #expect(try refusal(idempotent.build())?.kind == .invalidRecord)

        // One record: length, attributes, timestampDelta, offsetDelta, null key, null value, one header with
        // a null key (-1) and a null value.
        let nullHeaderKey = record(body: [0, 0, 0, 1, 1, 2, 1, 1])
        #expect(try refusal(nullHeaderKey)?.kind == .invalidRecord)
        // The same record without headers, and two bytes of nothing inside its declared length.
        let slack = record(body: [0, 0, 0, 1, 1, 0, 0, 0])
        #expect(try refusal(slack)?.kind == .invalidRecord)
        let exact = record(body: [0, 0, 0, 1, 1, 0])
        #expect(try refusal(exact) == nil)
    }

    /// A one-record uncompressed batch around `body` (the record after its length varint), CRC set.
    private func record(body: [UInt8]) -> ByteBuffer {
        var builder = RecordBatchBuilder()
        builder.append(key: nil, value: nil, timestamp: 0)
        var records = ByteBuffer()
        records.writeInteger(UInt8(body.count * 2))  // zigzag, under 64 bytes
        records.writeBytes(body)
        return builder.build(codec: 0, compressedRecords: records)
    }
}
