import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// Builds batches as they lie in a log after compaction or a transaction's end: real records whose offset deltas
/// may have gaps, a lastOffsetDelta of the batch's own, and any attributes.
enum StoredTestBatch {
    static func make(baseOffset: Int64, offsetDeltas: [Int32], lastOffsetDelta: Int32, attributes: Int16 = 0,
                     producerId: Int64 = -1, records custom: [Record]? = nil) -> RecordBatch
    {
        let records = custom ?? offsetDeltas.map {
            Record(timestampDelta: Int64($0), offsetDelta: $0, key: ByteBuffer(string: "key-\($0)"),
                   value: ByteBuffer(string: "value-\($0)"))
        }
        var body = ByteBuffer()
        for record in records { record.write(into: &body) }
        var buffer = ByteBuffer()
        buffer.writeInteger(baseOffset)
        buffer.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + body.readableBytes))
        buffer.writeInteger(Int32(-1))  // partitionLeaderEpoch: the log stamps its own
        buffer.writeInteger(Int8(2))
        buffer.writeInteger(UInt32(0))  // crc, set below
        buffer.writeInteger(attributes)
        buffer.writeInteger(lastOffsetDelta)
        buffer.writeInteger(Int64(1_700_000_000_000))
        buffer.writeInteger(Int64(1_700_000_000_000) + Int64(lastOffsetDelta))
        buffer.writeInteger(producerId)
        buffer.writeInteger(Int16(producerId >= 0 ? 0 : -1))
        buffer.writeInteger(Int32(-1))  // baseSequence
        buffer.writeInteger(Int32(records.count))
        buffer.writeBuffer(&body)
        let crc = buffer.crc32c(at: RecordBatch.crcStart, length: buffer.readableBytes - RecordBatch.crcStart) ?? 0
        buffer.setInteger(crc, at: 17)
        return try! RecordBatch(buffer: buffer)
    }

    /// A COMMIT transaction marker: transactional and control bits set, one control record.
    static func commitMarker(baseOffset: Int64, producerId: Int64) -> RecordBatch {
        var key = ByteBuffer()
        key.writeInteger(Int16(0))  // version
        key.writeInteger(Int16(1))  // type: COMMIT
        var value = ByteBuffer()
        value.writeInteger(Int16(0))  // version
        value.writeInteger(Int32(3))  // coordinator epoch
        let record = Record(timestampDelta: 0, offsetDelta: 0, key: key, value: value)
        return make(
            baseOffset: baseOffset, offsetDeltas: [0], lastOffsetDelta: 0, attributes: 0x30, producerId: producerId,
            records: [record])
    }
}

@Suite struct StoredBatchTests {
    /// Batches that break the client rules but are valid stored data, written after three produced records:
    /// compacted (deltas 0, 2, 5 of 3...8), short of its first record (1, 4 of 9...13), empty (14...16), and a
    /// commit marker (17). Then one more produced batch at 18...19.
    static func writeMixedLog(_ directory: TemporaryDirectory) throws -> (log: PartitionLog, stored: [RecordBatch]) {
        let log = try makeLog(directory)
        _ = try log.append(TestBatch.make(records: 3))
        let stored = [
            StoredTestBatch.make(baseOffset: 3, offsetDeltas: [0, 2, 5], lastOffsetDelta: 5),
            StoredTestBatch.make(baseOffset: 9, offsetDeltas: [1, 4], lastOffsetDelta: 4),
            StoredTestBatch.make(baseOffset: 14, offsetDeltas: [], lastOffsetDelta: 2),
            StoredTestBatch.commitMarker(baseOffset: 17, producerId: 42),
        ]
        for batch in stored {
            let info = try log.appendStored(batch)
            #expect(info.baseOffset == batch.baseOffset && info.lastOffset == batch.lastOffset)
        }
        _ = try log.append(TestBatch.make(records: 2))
        return (log, stored)
    }

    @Test("recovery keeps compacted, short, empty and control batches; reads return them and offsets continue")
    func recoveryAcceptsStoredData() throws {
        let directory = TemporaryDirectory()
        let (written, stored) = try Self.writeMixedLog(directory)
        #expect(written.logEndOffset == 20)
        // No close and no checkpoint: the restart re-reads every batch, as after a crash.
        let (log, report) = try reopenLog(directory, clean: false, recoveryPoint: nil)
        #expect(report.segmentsRecovered == 1 && report.bytesTruncated == 0 && report.problem == nil)
        #expect(log.logEndOffset == 20)

        let slice = try #require(try log.read(from: 0, maxBytes: 1 << 20).slice)
        let read = try RecordBatch.split(try bytes(of: slice))
        #expect(read.map(\.baseOffset) == [0, 3, 9, 14, 17, 18])
        #expect(read.map(\.lastOffset) == [2, 8, 13, 16, 17, 19])
        for (original, back) in zip(stored, read[1...5]) {
            #expect(back.recordsSection == original.recordsSection && back.crc == original.crc)
            #expect(back.isControl == original.isControl)
        }
        #expect(try read[1].records().map(\.offsetDelta) == [0, 2, 5])
        #expect(try read[4].records().count == 1 && read[4].isControl && read[4].isTransactional)
        // An offset compaction removed is served by the batch that spans it.
        #expect(try log.read(from: 4, maxBytes: 1).slice?.firstOffset == 3)
        // One inside an empty batch (kept for its offsets) by the next batch holding records: a reply of nothing but
        // empty batches is what librdkafka takes for a too-small fetch size.
        #expect(try log.read(from: 15, maxBytes: 1).slice?.firstOffset == 17)

        #expect(try log.append(TestBatch.make(records: 4)).baseOffset == 20)
        #expect(try log.appendStored(StoredTestBatch.commitMarker(baseOffset: 24, producerId: 42)).lastOffset == 24)
        #expect(log.logEndOffset == 25)

        // A clean restart reads only the tail, with the same rules.
        try log.close()
        let (clean, _) = try reopenLog(directory, clean: true)
        #expect(clean.logEndOffset == 25)
        #expect(try clean.read(from: 10, maxBytes: 1).slice?.firstOffset == 9)
    }

    @Test("the produce path still refuses what only stored data may be; stored appends keep their own checks")
    func clientRulesStayAtProduce() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let compacted = StoredTestBatch.make(baseOffset: 0, offsetDeltas: [0, 2], lastOffsetDelta: 2)
        #expect(throws: LogError.self) { try log.append(compacted) }
        let marker = StoredTestBatch.commitMarker(baseOffset: 0, producerId: 1)
        #expect(throws: RecordBatchError.self) {
            try ProducedBatchValidator.validate(marker, maxBytes: nil, maxDecompressedBytes: 1 << 20)
        }
        // A stored batch must start at the log end offset and match its CRC.
        #expect(throws: LogError.self) {
            try log.appendStored(StoredTestBatch.make(baseOffset: 5, offsetDeltas: [0], lastOffsetDelta: 0))
        }
        var damaged = compacted.buffer
        damaged.setInteger(UInt8(0xFF), at: damaged.writerIndex - 1)
        #expect(throws: LogError.self) { try log.appendStored(try RecordBatch(buffer: damaged)) }
        #expect(log.logEndOffset == 0)
    }

    @Test("a stored batch with a damaged CRC is still cut at recovery, with everything after it")
    func damagedStoredBatchIsCut() throws {
        let directory = TemporaryDirectory()
        let (written, _) = try Self.writeMixedLog(directory)
        let segment = try #require(written.segments.first)
        // Find the marker (offset 17) and flip its control record's type byte.
        let marker = try #require(try segment.locate(offset: 17))
        let file = try LogFile(path: segment.logPath, create: false)
        let size = try file.size()
        let position = marker.position + marker.size - 5
        var byte = try file.read(count: 1, at: position)
        let original = byte.readInteger(as: UInt8.self) ?? 0
        try file.write(ByteBuffer(bytes: [original ^ 0x01]), at: position)

        let (log, report) = try reopenLog(directory, clean: false, recoveryPoint: nil)
        #expect(log.logEndOffset == 17)
        #expect(report.bytesTruncated == size - marker.position)
        #expect(report.problem?.contains("CRC") == true || report.problem?.contains("crc") == true, "\(report)")
        #expect(try log.append(TestBatch.make(records: 1)).baseOffset == 17)
    }
}
