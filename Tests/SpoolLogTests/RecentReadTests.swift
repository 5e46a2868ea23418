import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// `PartitionLog.readRecent`: the reads a tailing consumer makes, answered from the recent batches' positions
/// without I/O, must be exactly what `read` answers from the files, and must give way to it whenever they cannot.
@Suite struct RecentReadTests {
    /// The fields of a read that a fetch sends.
    private func summary(_ read: LogReadInfo) -> [Int64] {
        [read.logStartOffset, read.logEndOffset, read.lastStableOffset, read.slice?.firstOffset ?? -1,
         Int64(read.slice?.position ?? -1), Int64(read.slice?.length ?? -1)]
    }

    @Test("every read answered from memory equals the read from the files, across rolls and log start moves")
    func matchesFileReads() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 64 * 1024
        config.indexIntervalBytes = 512
        let log = try makeLog(directory, config: config)
        var generator = SystemRandomNumberGenerator()
        var answered = 0
        var tailAnswered = 0
        var rolls = 0
        for step in 0..<2_000 {
            let before = log.logEndOffset
            let segmentsBefore = log.segmentCount
            let records = Int32.random(in: 1...20, using: &generator)
            _ = try log.append(TestBatch.make(records: records, bodyBytes: Int.random(in: 10...900, using: &generator)))
            if log.segmentCount != segmentsBefore { rolls += 1 }
            // A tailing consumer asks for what was just appended: always answered from memory.
            let tail = try #require(log.readRecent(from: before, maxBytes: 1 << 20, committedOnly: false))
            #expect(summary(tail) == summary(try log.read(from: before, maxBytes: 1 << 20)))
            #expect(tail.slice?.firstOffset == before)
            tailAnswered += 1
            if step % 97 == 0 {
                // Moves the log start into the active segment now and then: reads below it must not be answered.
                _ = try log.deleteRecords(
                    before: max(log.logStartOffset, log.logEndOffset - Int64.random(in: 0...30, using: &generator)))
            }
            for _ in 0..<5 {
                let start = log.logStartOffset
                let end = log.logEndOffset
                let offset = Int64.random(in: max(0, start - 3)...end, using: &generator)
                let maxBytes = [0, 1, 700, 5_000, 1 << 20].randomElement(using: &generator) ?? 1
                let committed = Bool.random(using: &generator)
                guard let recent = log.readRecent(from: offset, maxBytes: maxBytes, committedOnly: committed) else {
                    continue
                }
                answered += 1
                #expect(offset >= start, "read below the log start \(start) answered at \(offset)")
                let read = try log.read(from: offset, maxBytes: maxBytes, committedOnly: committed)
                #expect(summary(recent) == summary(read), "offset \(offset), maxBytes \(maxBytes)")
                if let slice = recent.slice {
                    let stored = try batches(in: bytes(of: slice))
                    #expect(stored.first?.baseOffset == slice.firstOffset)
                    #expect((stored.last?.nextOffset ?? 0) <= end)
                }
            }
        }
        #expect(rolls > 10)
        #expect(tailAnswered == 2_000)
        #expect(answered > 1_000)
    }

    @Test("reads it cannot answer from memory are left to the files")
    func declines() throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 4096
        let log = try makeLog(directory, config: config)
        for _ in 0..<3 { _ = try log.append(TestBatch.make(records: 2, bodyBytes: 939)) }  // 1,000 bytes each
        #expect(log.readRecent(from: 0, maxBytes: 1 << 20, committedOnly: false)?.slice?.length == 3_000)
        // read_committed with no transaction: the same batches.
        #expect(log.readRecent(from: 2, maxBytes: 1 << 20, committedOnly: true)?.slice?.length == 2_000)
        let atEnd = try #require(log.readRecent(from: 6, maxBytes: 1 << 20, committedOnly: true))
        #expect(atEnd.slice == nil && atEnd.logEndOffset == 6)
        // Past the log end: the file read throws offset-out-of-range, so memory does not answer.
        #expect(log.readRecent(from: 7, maxBytes: 1 << 20, committedOnly: false) == nil)
        // A roll starts a new active segment: the old one's batches are read from its file.
        _ = try log.append(TestBatch.make(records: 2, bodyBytes: 939))
        _ = try log.append(TestBatch.make(records: 2, bodyBytes: 939))
        #expect(log.segmentCount == 2)
        #expect(log.readRecent(from: 0, maxBytes: 1 << 20, committedOnly: false) == nil)
        #expect(log.readRecent(from: 8, maxBytes: 1 << 20, committedOnly: false)?.slice?.firstOffset == 8)
        // Giving descriptors back forgets the batches (they held the active file open).
        log.releaseDescriptors()
        #expect(log.readRecent(from: 8, maxBytes: 1 << 20, committedOnly: false) == nil)
        #expect(try log.read(from: 8, maxBytes: 1 << 20).slice?.firstOffset == 8)
        // At the log end a read is answered without batches either way.
        #expect(log.readRecent(from: 10, maxBytes: 1 << 20, committedOnly: false)?.slice == nil)
    }

    /// Compares every read from `log.logStartOffset` to its end, read_committed and not, with the file reads, and
    /// returns the offsets read_committed reads were answered at from memory.
    private func compareAll(_ log: PartitionLog) throws -> Set<Int64> {
        var answeredCommitted: Set<Int64> = []
        for committed in [false, true] {
            for offset in log.logStartOffset...log.logEndOffset {
                for maxBytes in [1, 150, 1 << 20] {
                    guard let recent = log.readRecent(from: offset, maxBytes: maxBytes, committedOnly: committed) else {
                        continue
                    }
                    let read = try log.read(from: offset, maxBytes: maxBytes, committedOnly: committed)
                    #expect(summary(recent) == summary(read), "offset \(offset), committed \(committed)")
                    if committed, recent.slice != nil {
                        answeredCommitted.insert(offset)
                        // Answered from memory only when there is no aborted transaction to list.
                        #expect(try log.abortedTransactions(from: offset, upTo: read.lastStableOffset).isEmpty)
                    }
                }
            }
        }
        return answeredCommitted
    }

    @Test("read_committed from memory stops at the last stable offset and leaves reads over an abort to the files")
    func transactions() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(TestBatch.make(records: 2, bodyBytes: 50))  // 0-1
        _ = try log.append(TransactionLogTests.batch(producer: 1, sequence: 0))  // 2-3, open
        _ = try log.append(TestBatch.make(records: 2, bodyBytes: 50))  // 4-5
        #expect(log.lastStableOffset == 2)
        var answered = try compareAll(log)
        #expect(answered == [0, 1])
        let held = try #require(log.readRecent(from: 0, maxBytes: 1 << 20, committedOnly: true)?.slice)
        #expect(try batches(in: bytes(of: held)).map(\.baseOffset) == [0])
        // The abort: reads from at or below its marker must list it, so only the files answer them.
        let marker = try log.appendMarker(producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
        #expect(marker == 6 && log.lastStableOffset == 7)
        answered = try compareAll(log)
        #expect(answered.isEmpty)
        _ = try log.append(TestBatch.make(records: 2, bodyBytes: 50))  // 7-8
        answered = try compareAll(log)
        #expect(answered == [7, 8])
        // A commit needs no listing.
        _ = try log.append(TransactionLogTests.batch(producer: 2, sequence: 0))  // 9-10
        _ = try log.appendMarker(producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: true)  // 11
        answered = try compareAll(log)
        #expect(answered == [7, 8, 9, 10, 11])
    }
}
