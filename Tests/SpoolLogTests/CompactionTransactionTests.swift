import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// Compaction of logs with transactions: an aborted transaction's value never supersedes the committed one before
/// it, aborted records are removed, committed transactional records compact like any others, markers stay, and the
/// cleaner stops at the last stable offset while a transaction is open.
@Suite("Log compaction with transactions")
struct CompactionTransactionTests {
    /// One transactional batch of keyed records from `producer`.
    private func transactional(_ log: PartitionLog, producer: Int64, sequence: Int32, _ records: [(String, String)])
        throws
    {
        var builder = RecordBatchBuilder(isTransactional: true)
        builder.producerId = producer
        builder.producerEpoch = 0
        builder.baseSequence = sequence
        for (key, value) in records {
            builder.append(key: ByteBuffer(string: key), value: ByteBuffer(string: value), timestamp: 1_700_000_000_000)
        }
        _ = try log.append(try RecordBatch(buffer: try builder.build()))
    }

    @Test("aborted values are removed and never supersede committed ones; committed transactional values compact")
    func abortedNeverSupersede() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.append(log, [("k1", "committed-1"), ("k2", "committed-2")], workload: &workload)
        // An aborted transaction writes newer values of k1 and k2.
        try transactional(log, producer: 7, sequence: 0, [("k1", "aborted-1"), ("k2", "aborted-2")])
        _ = try log.appendMarker(producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
        // A committed transaction writes k3 twice.
        try transactional(log, producer: 8, sequence: 0, [("k3", "txn-old")])
        try transactional(log, producer: 8, sequence: 1, [("k3", "txn-new")])
        _ = try log.appendMarker(producerId: 8, producerEpoch: 0, coordinatorEpoch: 0, commit: true)
        try CompactionSupport.fill(log, keys: 20, updates: 600, prefix: "filler", workload: &workload)
        try log.flush()
        let stats = try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce())
        #expect(stats.endOffset > 10)
        let values = try CompactionSupport.readAll(log).compactMap(\.value)
        #expect(values.contains("committed-1") && values.contains("committed-2"))
        #expect(!values.contains("aborted-1") && !values.contains("aborted-2"))
        #expect(values.contains("txn-new") && !values.contains("txn-old"))
        // Both markers stay in the log.
        #expect(try controlBatchCount(log) == 2)
    }

    @Test("an open transaction stops the cleaner at its first offset")
    func stopsAtTheLastStableOffset() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 10, updates: 200, prefix: "before", workload: &workload)
        let open = log.logEndOffset
        try transactional(log, producer: 9, sequence: 0, [("before-1", "uncommitted")])
        try CompactionSupport.fill(log, keys: 10, updates: 600, prefix: "before", workload: &workload)
        try log.flush()
        let stats = try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce())
        #expect(stats.endOffset <= open)
        let read = try CompactionSupport.readAll(log)
        #expect(read.filter { $0.offset >= open }.count == 601, "nothing at or above the open transaction goes")
    }

    private func controlBatchCount(_ log: PartitionLog) throws -> Int {
        var count = 0
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            guard let slice = try log.read(from: offset, maxBytes: 1 << 20).slice else { break }
            for batch in try RecordBatch.split(try bytes(of: slice)) {
                if batch.isControl { count += 1 }
                offset = max(offset, batch.nextOffset)
            }
        }
        return count
    }
}
