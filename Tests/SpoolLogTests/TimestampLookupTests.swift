import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// ListOffsets by time as Kafka answers it: the first record (not batch) whose timestamp reaches the target.
@Suite struct TimestampLookupTests {
    static let base: Int64 = 1_700_000_000_000

    /// 100 records in one batch, one second apart from `base`.
    static func hundredSeconds(codec: CompressionCodec = .none) -> RecordBatch {
        TestBatch.records(timestamps: (0..<100).map { base + Int64($0) * 1000 }, codec: codec)
    }

    @Test("a lookup inside one batch answers the first record at or after T, with its own timestamp",
          arguments: CompressionCodec.allCases)
    func insideOneBatch(codec: CompressionCodec) throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(Self.hundredSeconds(codec: codec))
        let base = Self.base
        #expect(try log.offset(forTimestamp: base + 50_000) == TimestampOffset(timestamp: base + 50_000, offset: 50))
        #expect(try log.offset(forTimestamp: base + 49_001) == TimestampOffset(timestamp: base + 50_000, offset: 50))
        #expect(try log.offset(forTimestamp: base) == TimestampOffset(timestamp: base, offset: 0))
        #expect(try log.offset(forTimestamp: 0) == TimestampOffset(timestamp: base, offset: 0))
        #expect(try log.offset(forTimestamp: base + 99_000) == TimestampOffset(timestamp: base + 99_000, offset: 99))
        #expect(try log.offset(forTimestamp: base + 99_001) == nil)
    }

    @Test("the same answers after a reopen, from indexes loaded off disk")
    func afterReopen() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(Self.hundredSeconds(codec: .zstd))
        _ = try log.append(Self.hundredSeconds())
        try log.close()
        let (reopened, _) = try reopenLog(directory, clean: true)
        let base = Self.base
        let found = try reopened.offset(forTimestamp: base + 50_000)
        #expect(found == TimestampOffset(timestamp: base + 50_000, offset: 50))
        #expect(try reopened.offset(forTimestamp: base + 99_500) == nil)
    }

    @Test("MAX_TIMESTAMP answers the record with the largest timestamp inside its batch, not the batch's first")
    func maxTimestampRecord() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let base = Self.base
        _ = try log.append(Self.hundredSeconds())
        // The largest timestamp sits in the middle of the second batch (offsets 100-109).
        _ = try log.append(TestBatch.records(timestamps: (0..<10).map { base + ($0 == 4 ? 500_000 : Int64($0)) }))
        #expect(try log.maxTimestampOffset() == TimestampOffset(timestamp: base + 500_000, offset: 104))
        try log.close()
        let (reopened, _) = try reopenLog(directory, clean: true)
        #expect(try reopened.maxTimestampOffset() == TimestampOffset(timestamp: base + 500_000, offset: 104))
    }

    @Test("records below the log start offset are never the answer")
    func belowLogStart() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(Self.hundredSeconds())
        _ = try log.deleteRecords(before: 60)
        let base = Self.base
        #expect(try log.offset(forTimestamp: base + 50_000) == TimestampOffset(timestamp: base + 60_000, offset: 60))
        #expect(try log.offset(forTimestamp: base + 70_000) == TimestampOffset(timestamp: base + 70_000, offset: 70))
    }

    @Test("a batch whose largest timestamp reaches T but that holds no answer passes the lookup to the next")
    func outOfOrder() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let base = Self.base
        // Offset 0 is the batch's newest record; once it is below the log start, offsets 1 and 2 are older than T.
        _ = try log.append(TestBatch.records(timestamps: [base + 100, base + 1, base + 2]))
        _ = try log.append(TestBatch.records(timestamps: [base + 50, base + 60]))
        #expect(try log.offset(forTimestamp: base + 50) == TimestampOffset(timestamp: base + 100, offset: 0))
        _ = try log.deleteRecords(before: 1)
        #expect(try log.offset(forTimestamp: base + 50) == TimestampOffset(timestamp: base + 50, offset: 3))
        #expect(try log.offset(forTimestamp: base + 55) == TimestampOffset(timestamp: base + 60, offset: 4))
        #expect(try log.offset(forTimestamp: base + 2) == TimestampOffset(timestamp: base + 2, offset: 2))
    }

    @Test("with LogAppendTime every record has the broker's time, so the answer is the batch's first live record")
    func logAppendTime() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.timestampType = .logAppendTime
        let log = try makeLog(directory, config: config)
        let appended: Int64 = 1_800_000_000_000
        _ = try log.append(Self.hundredSeconds(codec: .lz4), now: appended)
        _ = try log.append(Self.hundredSeconds(), now: appended + 1000)
        // The records' create times (base + 50 s) no longer count.
        #expect(try log.offset(forTimestamp: Self.base + 50_000) == TimestampOffset(timestamp: appended, offset: 0))
        #expect(try log.offset(forTimestamp: appended) == TimestampOffset(timestamp: appended, offset: 0))
        #expect(try log.offset(forTimestamp: appended + 1) == TimestampOffset(timestamp: appended + 1000, offset: 100))
        #expect(try log.offset(forTimestamp: appended + 1001) == nil)
        _ = try log.deleteRecords(before: 30)
        #expect(try log.offset(forTimestamp: appended) == TimestampOffset(timestamp: appended, offset: 30))
    }
}
