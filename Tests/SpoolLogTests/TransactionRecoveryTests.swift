import Foundation
import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// The read side of transactions (reads below the LSO, the aborted list, the `.txnindex`) and their recovery.
@Suite struct TransactionRecoveryTests {
    typealias T = TransactionLogTests

    /// Appends transactional batches through a producer's own sequence.
    final class Producers {
        var sequences: [Int64: Int32] = [:]
        func batch(_ producer: Int64, records: Int = 2, transactional: Bool = true) -> RecordBatch {
            let sequence = sequences[producer, default: 0]
            sequences[producer] = sequence + Int32(records)
            return T.batch(
                producer: producer, sequence: sequence, records: records, transactional: transactional,
                valueBytes: 100)
        }
    }

    static func offsets(of slice: FileSlice?) throws -> [Int64] {
        guard let slice else { return [] }
        return try batches(in: try bytes(of: slice)).map(\.baseOffset)
    }

    @Test("read_committed reads stop at the LSO on a batch boundary; the aborted list covers the range read")
    func readUpToLastStableOffset() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let producers = Producers()
        _ = try log.append(producers.batch(1))  // 0-1, transaction of 1
        _ = try log.append(TestBatch.make(records: 1))  // 2
        _ = try log.append(producers.batch(2))  // 3-4, transaction of 2
        _ = try log.append(TestBatch.make(records: 1))  // 5
        #expect(log.lastStableOffset == 0)
        #expect(try log.read(from: 0, maxBytes: 1 << 20, committedOnly: true).slice == nil)
        #expect(try Self.offsets(of: log.read(from: 0, maxBytes: 1 << 20).slice) == [0, 2, 3, 5])
        _ = try log.appendMarker(producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: true)  // 6
        #expect(log.lastStableOffset == 3)
        let committed = try log.read(from: 0, maxBytes: 1 << 20, committedOnly: true)
        #expect(committed.lastStableOffset == 3 && committed.logEndOffset == 7)
        #expect(try Self.offsets(of: committed.slice) == [0, 2])
        #expect(try log.read(from: 3, maxBytes: 1 << 20, committedOnly: true).slice == nil)
        #expect(try log.cleaningView()?.lastStableOffset == 3)
        _ = try log.appendMarker(producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: false)  // 7
        #expect(log.lastStableOffset == 8)
        #expect(try Self.offsets(of: log.read(from: 3, maxBytes: 1 << 20, committedOnly: true).slice) == [3, 5, 6, 7])
        let aborted = AbortedTransaction(producerId: 2, firstOffset: 3, lastOffset: 7, lastStableOffset: 8)
        #expect(try log.abortedTransactions(from: 0, upTo: 8) == [aborted])
        #expect(try log.abortedTransactions(from: 8, upTo: 8).isEmpty)  // the marker lies before the fetch
        #expect(try log.abortedTransactions(from: 0, upTo: 3).isEmpty)  // the transaction starts past the range
    }

    @Test("an aborted transaction is listed for fetches from any segment it spans, and its entry stays in its marker's")
    func abortedAcrossSegments() throws {
        var config = LogConfig()
        config.segmentBytes = 1024
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: config)
        let producers = Producers()
        let first = try log.append(producers.batch(1)).baseOffset
        for _ in 0..<8 { _ = try log.append(TestBatch.make(records: 1, bodyBytes: 300)) }
        let marker = try log.appendMarker(producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
        #expect(log.segments.count >= 3)
        let middle = log.segments[1].baseOffset
        let entry = AbortedTransaction(
            producerId: 1, firstOffset: first, lastOffset: marker, lastStableOffset: marker + 1)
        #expect(try log.abortedTransactions(from: middle, upTo: log.logEndOffset) == [entry])
        #expect(try log.segments.last?.abortedTransactions() == [entry])
        #expect(try log.segments[0].abortedTransactions().isEmpty)
    }

    @Test(".txnindex entries survive a clean restart; a torn tail is cut back to whole entries")
    func transactionIndexRoundTrip() throws {
        let directory = TemporaryDirectory()
        var expected: [AbortedTransaction] = []
        do {
            let log = try makeLog(directory)
            let producers = Producers()
            for producer in Int64(1)...3 {
                let first = try log.append(producers.batch(producer)).baseOffset
                let marker = try log.appendMarker(
                    producerId: producer, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
                expected.append(AbortedTransaction(
                    producerId: producer, firstOffset: first, lastOffset: marker, lastStableOffset: marker + 1))
            }
            try log.close()
        }
        let path = directory.path + "/topic-0/" + LogFileName.prefix(0) + LogFileName.txnIndexSuffix
        #expect(FileSystem.fileSize(path) == 3 * 34)
        let (clean, _) = try reopenLog(directory, clean: true)
        #expect(try clean.abortedTransactions(from: 0, upTo: clean.logEndOffset) == expected)
        try clean.close()
        // A crash in the middle of an entry's write.
        let file = try LogFile(path: path, create: false)
        try file.write(ByteBuffer(bytes: [0, 0, 0, 0, 0, 7, 7]), at: 3 * 34)
        let (torn, _) = try reopenLog(directory, clean: true)
        #expect(try torn.abortedTransactions(from: 0, upTo: torn.logEndOffset) == expected)
        #expect(FileSystem.fileSize(path) == 3 * 34)
    }

    /// What the log reported after one step of `recoveryScript`.
    struct Point {
        var segmentBase: Int64
        var segmentSize: Int
        var logEndOffset: Int64
        var lastStableOffset: Int64
        var aborted: [AbortedTransaction]
        var open: [Int64: Int64]
    }

    @Test("recovery after a cut at any batch boundary gives the LSO, aborted list and open transactions of that point")
    func recoveryAtEveryBoundary() throws {
        var config = LogConfig()
        config.segmentBytes = 1024
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: config)
        let producers = Producers()
        var points: [Point] = []
        func note() throws {
            guard let active = log.segments.last else { return }
            points.append(Point(
                segmentBase: active.baseOffset, segmentSize: try active.size(), logEndOffset: log.logEndOffset,
                lastStableOffset: log.lastStableOffset,
                aborted: try log.abortedTransactions(from: 0, upTo: log.logEndOffset), open: log.openTransactions))
        }
        func end(_ producer: Int64, commit: Bool) throws {
            _ = try log.appendMarker(producerId: producer, producerEpoch: 0, coordinatorEpoch: 0, commit: commit)
        }
        let steps: [() throws -> Void] = [
            { _ = try log.append(producers.batch(1)) }, { _ = try log.append(producers.batch(2)) },
            { _ = try log.append(TestBatch.make(records: 1, bodyBytes: 300)) },
            { _ = try log.append(producers.batch(1)) },
            { try end(1, commit: false) }, { _ = try log.append(producers.batch(3)) },
            { try end(2, commit: true) }, { _ = try log.append(producers.batch(3)) },
            { _ = try log.append(producers.batch(1)) }, { try end(3, commit: false) },
            { _ = try log.append(TestBatch.make(records: 2, bodyBytes: 300)) }, { try end(1, commit: true) },
            { _ = try log.append(producers.batch(2)) }, { _ = try log.append(producers.batch(4)) },
            { try end(4, commit: false) }, { _ = try log.append(producers.batch(2)) },
        ]
        for step in steps {
            try step()
            try note()
        }
        #expect(log.segments.count >= 3)
        #expect(points.last?.open == [2: points[11].logEndOffset])
        for point in points {
            let copy = TemporaryDirectory()
            let source = directory.path + "/topic-0"
            let target = copy.path + "/topic-0"
            try FileManager.default.copyItem(atPath: source, toPath: target)
            for name in try FileSystem.list(target) {
                guard let base = Int64(name.prefix(20)), name.count > 20 else { continue }
                if base > point.segmentBase { try FileSystem.remove(target + "/" + name) }
            }
            let cut = target + "/" + LogFileName.prefix(point.segmentBase) + LogFileName.logSuffix
            try LogFile(path: cut, create: false).truncate(to: point.segmentSize)
            let (recovered, _) = try reopenLog(copy, config: config, clean: false)
            #expect(recovered.logEndOffset == point.logEndOffset)
            #expect(recovered.lastStableOffset == point.lastStableOffset, "cut at \(point.logEndOffset)")
            #expect(recovered.openTransactions == point.open, "cut at \(point.logEndOffset)")
            #expect(
                try recovered.abortedTransactions(from: 0, upTo: recovered.logEndOffset) == point.aborted,
                "cut at \(point.logEndOffset)")
        }
    }

    @Test("an open transaction stays open across a clean restart and a crash whose scan starts after its first batch")
    func openTransactionSurvivesRestart() throws {
        var config = LogConfig()
        config.segmentBytes = 1024
        let directory = TemporaryDirectory()
        let producers = Producers()
        let first: Int64
        do {
            let log = try makeLog(directory, config: config)
            first = try log.append(producers.batch(7)).baseOffset
            // Later segments: the roll's snapshots must carry the transaction, since a scan from them never sees it.
            for _ in 0..<8 { _ = try log.append(TestBatch.make(records: 1, bodyBytes: 300)) }
            #expect(log.segments.count >= 3 && log.lastStableOffset == first)
        }
        let (crashed, _) = try reopenLog(directory, config: config, clean: false, recoveryPoint: nil)
        #expect(crashed.openTransactions == [7: first] && crashed.lastStableOffset == first)
        try crashed.close()
        let (clean, _) = try reopenLog(directory, config: config, clean: true)
        #expect(clean.openTransactions == [7: first] && clean.lastStableOffset == first)
        #expect(T.refusal { _ = try clean.append(producers.batch(7, transactional: false)) } == .invalidTxnState)
        _ = try clean.appendMarker(producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, commit: true)
        #expect(clean.openTransactions.isEmpty && clean.lastStableOffset == clean.logEndOffset)
    }

    @Test("a version-1 producer snapshot (no transactions) is still read")
    func versionOneSnapshot() throws {
        let directory = TemporaryDirectory()
        do {
            let log = try makeLog(directory)
            _ = try log.append(ProducerStateTests.batch(0))  // producer 1000, offsets 0-1
            try log.close()
        }
        let path = directory.path + "/topic-0/" + LogFileName.prefix(2) + PartitionLog.snapshotSuffix
        let file = try LogFile(path: path, create: false)
        try file.truncate(to: 0)
        try file.write(ByteBuffer(string: "spool-producer-snapshot 1\n1000 0 0 1 0 1\n"), at: 0)
        let (log, _) = try reopenLog(directory, clean: true)
        #expect(try log.append(ProducerStateTests.batch(0)).isDuplicate)
    }
}
