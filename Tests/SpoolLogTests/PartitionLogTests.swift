import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

@Suite struct PartitionLogTests {
    @Test("appends get dense offsets and reads return the batches with their offsets rewritten")
    func appendAndRead() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        var expectedBase: Int64 = 0
        for count in Int32(1)...20 {
            let info = try log.append(TestBatch.make(records: count, bodyBytes: Int(count) * 10))
            #expect(info.baseOffset == expectedBase)
            #expect(info.lastOffset == expectedBase + Int64(count) - 1)
            #expect(info.logEndOffset == expectedBase + Int64(count))
            #expect(info.logAppendTime == -1)
            expectedBase += Int64(count)
        }
        let read = try log.read(from: 0, maxBytes: 1 << 20)
        let slice = try #require(read.slice)
        let stored = try batches(in: bytes(of: slice))
        #expect(stored.count == 20)
        var next: Int64 = 0
        for (index, batch) in stored.enumerated() {
            #expect(batch.baseOffset == next)
            #expect(batch.recordsCount == Int32(index + 1))
            #expect(batch.partitionLeaderEpoch == 0)
            next = batch.nextOffset
        }
        #expect(read.logEndOffset == 210)
    }

    @Test("a read starts with the batch holding the offset, keeps whole batches and returns at least one")
    func readBoundaries() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.indexIntervalBytes = 256
        let log = try makeLog(directory, config: config)
        for _ in 0..<100 { _ = try log.append(TestBatch.make(records: 5, bodyBytes: 139)) }  // 200 bytes each
        // Every offset finds its own batch.
        for offset in Int64(0)..<500 {
            let slice = try #require(try log.read(from: offset, maxBytes: 1).slice)
            #expect(slice.firstOffset == offset / 5 * 5)
            #expect(slice.length == 200)
            #expect(slice.position == Int(offset / 5) * 200)
        }
        // maxBytes that ends mid-batch keeps only whole batches.
        let slice = try #require(try log.read(from: 12, maxBytes: 1_099).slice)
        #expect(slice.firstOffset == 10)
        #expect(slice.length == 1_000)
        #expect(try batches(in: bytes(of: slice)).map(\.baseOffset) == [10, 15, 20, 25, 30])
        // Reading at the log end offset is empty, not an error.
        let end = try log.read(from: 500, maxBytes: 1000)
        #expect(end.slice == nil)
        #expect(end.logEndOffset == 500)
    }

    @Test("offsets outside [log start, log end] are typed out-of-range errors")
    func outOfRange() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(TestBatch.make(records: 3))
        for offset: Int64 in [-1, 4, 1000] {
            #expect {
                try log.read(from: offset, maxBytes: 100)
            } throws: { error in
                (error as? LogError)?.isOffsetOutOfRange == true
            }
        }
    }

    @Test("sparse index entries are added every index.interval.bytes and survive a reopen")
    func indexEntries() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.indexIntervalBytes = 4096
        let log = try makeLog(directory, config: config)
        for _ in 0..<100 { _ = try log.append(TestBatch.make(records: 1, bodyBytes: 963)) }  // 1 KiB each
        let segment = try #require(log.segments.first)
        // An entry when more than 4096 bytes were written since the last: every 5th batch.
        #expect(segment.offsetIndex.entries.count == 19)
        #expect(segment.offsetIndex.entries.first == OffsetIndexEntry(relativeOffset: 5, position: 5 * 1024))
        try log.close()
        let (reopened, report) = try reopenLog(directory, config: config, clean: true)
        #expect(report.segmentsRecovered == 0)
        #expect(reopened.logEndOffset == 100)
        #expect(try reopened.segments[0].open() != nil)
        #expect(reopened.segments[0].offsetIndex.entries == segment.offsetIndex.entries)
        #expect(FileSystem.fileSize(segment.offsetIndex.path) == 19 * 8)
    }

    @Test("segments roll at segment.bytes and segment.ms, named by their 20-digit base offset")
    func rolling() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 4096
        config.segmentMs = 60_000
        let log = try makeLog(directory, config: config)
        let now: Int64 = 1_700_000_000_000
        for _ in 0..<10 { _ = try log.append(TestBatch.make(records: 2, bodyBytes: 963), now: now) }
        // 1 KiB batches: 4 fit in 4096 bytes.
        #expect(log.segments.map(\.baseOffset) == [0, 8, 16])
        let names = try FileSystem.list(log.directory).filter { $0.hasSuffix(".log") }.sorted()
        #expect(names == ["00000000000000000000.log", "00000000000000000008.log", "00000000000000000016.log"])
        // Age: the next append after segment.ms rolls even though the segment has room.
        _ = try log.append(TestBatch.make(records: 1, bodyBytes: 10), now: now + 60_001)
        #expect(log.segments.map(\.baseOffset) == [0, 8, 16, 20])
        // The active segment has disk reserved ahead of its data (a quiet partition's first, small chunk);
        // rolled ones gave the reservation back.
        let active = try #require(log.segments.last)
        #expect(allocatedBytes(active.logPath) >= (try active.size()) + DiskReservations.initialChunkBytes)
        for segment in log.segments.dropLast() {
            #expect(allocatedBytes(segment.logPath) <= (try segment.size()) + 4096)
        }
        // Reads cross segment boundaries by offset.
        for offset in Int64(0)..<21 {
            let slice = try #require(try log.read(from: offset, maxBytes: 10).slice)
            #expect(slice.firstOffset == offset / 2 * 2)
        }
    }

    @Test("retention deletes whole expired segments by time and by size, never the active one")
    func retention() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 2048
        config.retentionMs = 1000
        let log = try makeLog(directory, config: config)
        let base: Int64 = 1_700_000_000_000
        for index in 0..<8 {
            _ = try log.append(TestBatch.make(records: 1, bodyBytes: 963, timestamp: base + Int64(index) * 1000))
        }
        #expect(log.segments.count == 4)  // two 1 KiB batches per segment; newest in each: 1, 3, 5, 7 seconds
        // At base+4.5s, the segments whose newest record is older than 1 s are the first two.
        #expect(try log.deleteExpiredSegments(now: base + 4500) == 2)
        #expect(log.logStartOffset == 4)
        #expect(log.segments.map(\.baseOffset) == [4, 6])
        #expect(try FileSystem.list(log.directory).allSatisfy { !$0.hasSuffix(".deleted") })
        #expect(throws: LogError.self) { try log.read(from: 3, maxBytes: 100) }
        // Far in the future everything is expired, but the active segment stays.
        #expect(try log.deleteExpiredSegments(now: base + 1_000_000) == 1)
        #expect(log.segments.map(\.baseOffset) == [6])

        var sized = LogConfig()
        sized.segmentBytes = 2048
        sized.retentionMs = -1
        sized.retentionBytes = 3000
        let other = try makeLog(directory, config: sized, name: "sized-0")
        for _ in 0..<8 { _ = try other.append(TestBatch.make(records: 1, bodyBytes: 963)) }
        // 8 KiB in four 2 KiB segments: deleting the oldest two leaves 4096 >= 3000 bytes; a third would
        // leave 2048 < 3000, so it stays (Kafka's rule: delete while what remains is still at least the limit).
        #expect(try other.deleteExpiredSegments() == 2)
        #expect(other.segments.map(\.baseOffset) == [4, 6])
        #expect(other.logStartOffset == 4)
    }

    @Test("timestamp lookups find the first record whose timestamp reaches T, across segments")
    func timestamps() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 4096
        config.indexIntervalBytes = 300
        let log = try makeLog(directory, config: config)
        let base: Int64 = 1_700_000_000_000
        for index in 0..<40 {
            let ts = base + Int64(index) * 10
            // Two records, the second older than the first: its batch's largest timestamp is its first record's.
            _ = try log.append(TestBatch.records(timestamps: [ts, ts - 5], totalBytes: 300))
        }
        #expect(log.segments.count > 2)
        for index in 0..<40 {
            let target = base + Int64(index) * 10
            #expect(try log.offset(forTimestamp: target) == TimestampOffset(timestamp: target, offset: Int64(index) * 2))
            #expect(try log.offset(forTimestamp: target - 3)?.offset == Int64(index) * 2)
        }
        #expect(try log.offset(forTimestamp: base + 391) == nil)
        #expect(try log.offset(forTimestamp: 0)?.offset == 0)
        #expect(try log.maxTimestampOffset() == TimestampOffset(timestamp: base + 390, offset: 78))
        // The same answers come from indexes loaded from disk after a clean reopen.
        try log.close()
        let (reopened, _) = try reopenLog(directory, config: config, clean: true)
        #expect(try reopened.offset(forTimestamp: base + 200) == TimestampOffset(timestamp: base + 200, offset: 40))
        #expect(try reopened.maxTimestampOffset() == TimestampOffset(timestamp: base + 390, offset: 78))
    }

    @Test("LogAppendTime topics get the broker's time stamped and a new valid CRC")
    func logAppendTime() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.timestampType = .logAppendTime
        let log = try makeLog(directory, config: config)
        let info = try log.append(TestBatch.make(records: 3, timestamp: 5), now: 1_800_000_000_000)
        #expect(info.logAppendTime == 1_800_000_000_000)
        let stored = try batches(in: bytes(of: try #require(log.read(from: 0, maxBytes: 1000).slice)))
        #expect(stored.count == 1)
        #expect(stored[0].isLogAppendTime)
        #expect(stored[0].maxTimestamp == 1_800_000_000_000)
        #expect(stored[0].baseTimestamp == 5)
    }

    @Test("bad batches are refused with Kafka's error codes and nothing is written")
    func refusals() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.maxMessageBytes = 500
        let log = try makeLog(directory, config: config)
        var corrupt = TestBatch.make(records: 1).buffer
        corrupt.setInteger(UInt8(0x7A), at: 70)
        let badCRC = try RecordBatch(buffer: corrupt)
        var miscounted = TestBatch.make(records: 2).buffer
        miscounted.setInteger(Int32(5), at: 57)
        miscounted.setInteger(CRC32C.checksum(miscounted.readableBytesView.dropFirst(21)), at: 17)
        let cases: [(RecordBatch, RecordBatchError.Kind)] = [
            (badCRC, .corrupt), (try RecordBatch(buffer: miscounted), .invalidRecord),
            (TestBatch.make(bodyBytes: 600), .tooLarge),
        ]
        for (batch, kind) in cases {
            #expect {
                try log.append(batch)
            } throws: { error in
                (error as? LogError)?.batchError?.kind == kind
            }
        }
        var legacy = TestBatch.make().buffer
        legacy.setInteger(Int8(1), at: 16)
        #expect(throws: RecordBatchError.unsupportedMagic(1)) { try RecordBatch(buffer: legacy) }
        #expect(log.logEndOffset == 0)
        #expect(try log.segments[0].size() == 0)
    }
}

@Suite struct DeleteRecordsTests {
    @Test("DeleteRecords moves the log start offset durably and deletes whole segments below it")
    func deleteRecords() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, segmentBytes: 2048, batchesOf1KiB: 8)  // two batches per segment
        #expect(log.segments.map(\.baseOffset) == [0, 4, 8, 12])
        #expect(try log.deleteRecords(before: 9) == 9)
        #expect(log.logStartOffset == 9)
        #expect(log.segments.map(\.baseOffset) == [8, 12])  // the segment holding offset 9 stays
        #expect(throws: LogError.self) { try log.read(from: 8, maxBytes: 10) }
        // A read at the new start returns the batch holding it.
        #expect(try log.read(from: 9, maxBytes: 10).slice?.firstOffset == 8)
        // Never backwards, never past the end.
        #expect(try log.deleteRecords(before: 3) == 9)
        #expect(throws: LogError.self) { try log.deleteRecords(before: 17) }
        // Survives a crash (no close) and a clean restart.
        let (crashed, _) = try reopenLog(directory, config: log.logConfig, clean: false)
        #expect(crashed.logStartOffset == 9)
        try crashed.close()
        let (clean, _) = try reopenLog(directory, config: log.logConfig, clean: true)
        #expect(clean.logStartOffset == 9)
        // -1 means up to the log end offset.
        #expect(try clean.deleteRecords(before: -1) == 16)
        #expect(clean.segments.count == 1)
    }
}
