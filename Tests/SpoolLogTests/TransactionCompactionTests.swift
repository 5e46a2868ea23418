import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// Compaction and transactions: nothing at or above the LSO is cleaned, markers stay, aborted entries follow the
/// merged segments.
@Suite struct TransactionCompactionTests {
    @Test("the cleaner stops below an open transaction; after the abort it cleans past it and keeps marker and index")
    func cleanerRespectsLastStableOffset() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 10, updates: 300, workload: &workload)
        var builder = RecordBatchBuilder(producerId: 9, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        builder.append(
            key: ByteBuffer(string: "key-0"), value: ByteBuffer(string: "in-txn"), timestamp: 1_700_000_000_000)
        let first = try log.append(try RecordBatch(buffer: builder.build())).baseOffset
        try CompactionSupport.fill(log, keys: 10, updates: 1_500, prefix: "late", workload: &workload)
        try log.flush()
        #expect(log.lastStableOffset == first && log.segmentCount > 4)
        let cleaner = CompactionSupport.cleaner(for: [log], directory: directory)
        let stats = try #require(try cleaner.cleanOnce())
        #expect(stats.endOffset <= first)
        // Everything from the open transaction on reads back as written.
        let read = try CompactionSupport.readAll(log)
        let late = read.filter { $0.offset > first }
        #expect(late == workload.appended.filter { $0.offset > first })
        #expect(read.contains { $0.offset == first && $0.value == "in-txn" })
        // read_committed never passes the LSO, from any offset below it, removed ranges included.
        for offset in log.logStartOffset..<first {
            guard let slice = try log.read(from: offset, maxBytes: 1 << 20, committedOnly: true).slice else { continue }
            #expect(try RecordBatch.split(try bytes(of: slice)).allSatisfy { $0.nextOffset <= first }, "from \(offset)")
        }

        let marker = try log.appendMarker(producerId: 9, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
        try CompactionSupport.fill(log, keys: 10, updates: 400, prefix: "after", workload: &workload)
        try log.flush()
        let segmentsBefore = log.segmentCount
        let again = try #require(try cleaner.cleanOnce())
        #expect(again.endOffset > marker)
        #expect(log.segmentCount < segmentsBefore)
        // Cleaned segments are small: the next round merges them, the marker's with the ones before it.
        let markerSegment = log.segments[log.segmentIndex(for: marker)].baseOffset
        try CompactionSupport.fill(log, keys: 10, updates: 400, prefix: "final", workload: &workload)
        try log.flush()
        _ = try #require(try cleaner.cleanOnce())
        #expect(log.segments[log.segmentIndex(for: marker)].baseOffset < markerSegment)
        let entry = AbortedTransaction(
            producerId: 9, firstOffset: first, lastOffset: marker, lastStableOffset: marker + 1)
        #expect(try log.abortedTransactions(from: log.logStartOffset, upTo: log.logEndOffset) == [entry])
        // The marker is kept verbatim.
        let slice = try #require(try log.read(from: marker, maxBytes: 1 << 20).slice)
        let markerBatch = try #require(try RecordBatch.split(try bytes(of: slice)).first { $0.baseOffset == marker })
        #expect(try ControlBatch.parse(markerBatch).commit == false)
        // And it all survives a crash and recovery.
        let (recovered, _) = try reopenLog(directory, config: CompactionSupport.config(), clean: false)
        #expect(try recovered.abortedTransactions(from: 0, upTo: recovered.logEndOffset) == [entry])
        #expect(recovered.openTransactions.isEmpty && recovered.lastStableOffset == recovered.logEndOffset)
    }
}
