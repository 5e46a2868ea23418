import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// Transactions on the partition log: markers, open transactions, the last stable offset, refusals.
@Suite struct TransactionLogTests {
    /// A batch of `records` records from producer `producer`, transactional unless told otherwise.
    static func batch(producer: Int64, epoch: Int16 = 0, sequence: Int32, records: Int = 2,
                      transactional: Bool = true, valueBytes: Int = 2) -> RecordBatch
    {
        var builder = RecordBatchBuilder(
            producerId: producer, producerEpoch: epoch, baseSequence: sequence, isTransactional: transactional)
        for index in 0..<records {
            let value = ByteBuffer(repeating: UInt8(0x30 + index % 10), count: valueBytes)
            builder.append(key: nil, value: value, timestamp: 1_700_000_000_000)
        }
        return try! RecordBatch(buffer: builder.build())
    }

    static func refusal(_ body: () throws -> Void) -> LogError.ProducerRefusal? {
        ProducerStateTests.producerRefusal(body)
    }

    @Test("a marker batch carries the control and transactional bits, base sequence -1, and parses back")
    func markerRoundTrip() throws {
        for commit in [true, false] {
            let batch = ControlBatch.marker(producerId: 42, epoch: 3, coordinatorEpoch: 7, commit: commit, timestamp: 5)
            #expect(batch.attributes == 0x30 && batch.isControl && batch.isTransactional)
            #expect(batch.baseSequence == -1 && batch.recordsCount == 1 && batch.producerId == 42)
            try batch.validate()
            let marker = try ControlBatch.parse(batch)
            #expect(
                marker == ControlBatch.Marker(producerId: 42, producerEpoch: 3, coordinatorEpoch: 7, commit: commit))
        }
        #expect(throws: RecordBatchError.self) { _ = try ControlBatch.parse(Self.batch(producer: 1, sequence: 0)) }
    }

    @Test("a transactional batch opens a transaction that holds the LSO back; a commit marker closes it")
    func openAndCommit() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(TestBatch.make(records: 3))  // offsets 0-2, no producer
        #expect(log.lastStableOffset == 3 && log.openTransactions.isEmpty)
        let first = try log.append(Self.batch(producer: 7, sequence: 0))  // 3-4
        _ = try log.append(TestBatch.make(records: 1))  // 5, someone else's
        _ = try log.append(Self.batch(producer: 7, sequence: 2))  // 6-7
        #expect(log.openTransactions == [7: first.baseOffset])
        #expect(log.lastStableOffset == 3 && log.logEndOffset == 8)
        let marker = try log.appendMarker(producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, commit: true)
        #expect(marker == 8 && log.logEndOffset == 9)
        #expect(log.openTransactions.isEmpty && log.lastStableOffset == 9)
        // Committed: nothing went to the aborted index.
        #expect(try log.segments[0].abortedTransactions().isEmpty)
        // The producer goes on with its sequences in the same epoch.
        #expect(try log.append(Self.batch(producer: 7, sequence: 4)).baseOffset == 9)
        #expect(log.openTransactions == [7: 9] && log.lastStableOffset == 9)
    }

    @Test("an abort marker closes the transaction and records it in the .txnindex; the oldest open one sets the LSO")
    func abortAndTwoProducers() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(Self.batch(producer: 1, sequence: 0))  // 0-1
        _ = try log.append(Self.batch(producer: 2, sequence: 0))  // 2-3
        #expect(log.lastStableOffset == 0 && log.openTransactions == [1: 0, 2: 2])
        let abort = try log.appendMarker(producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
        #expect(abort == 4 && log.lastStableOffset == 2)
        #expect(try log.segments[0].abortedTransactions() == [
            AbortedTransaction(producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2)
        ])
        _ = try log.appendMarker(producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: true)
        #expect(log.lastStableOffset == 6 && log.openTransactions.isEmpty)
        #expect(FileSystem.exists(log.segments[0].transactionIndex.path))
    }

    @Test("a non-transactional batch from a producer with an open transaction is refused with INVALID_TXN_STATE")
    func nonTransactionalRefused() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(Self.batch(producer: 5, sequence: 0))
        #expect(Self.refusal { _ = try log.append(Self.batch(producer: 5, sequence: 2, transactional: false)) }
            == .invalidTxnState)
        #expect(log.logEndOffset == 2)
        // Another producer is not affected, and after the marker the first may write outside transactions again.
        _ = try log.append(Self.batch(producer: 6, sequence: 0, transactional: false))
        _ = try log.appendMarker(producerId: 5, producerEpoch: 0, coordinatorEpoch: 0, commit: true)
        #expect(try log.append(Self.batch(producer: 5, sequence: 2, transactional: false)).baseOffset == 5)
    }

    @Test("a marker older than the producer's epoch is refused; a newer one fences the old epoch's batches")
    func staleMarkerRefused() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(Self.batch(producer: 9, epoch: 2, sequence: 0))
        #expect(Self.refusal {
            _ = try log.appendMarker(producerId: 9, producerEpoch: 1, coordinatorEpoch: 0, commit: false)
        } == .staleEpoch)
        #expect(log.logEndOffset == 2 && log.openTransactions == [9: 0])
        // The coordinator fences with a bumped epoch: the abort closes the transaction and takes epoch 3.
        _ = try log.appendMarker(producerId: 9, producerEpoch: 3, coordinatorEpoch: 0, commit: false)
        #expect(log.openTransactions.isEmpty && log.lastStableOffset == 3)
        #expect(Self.refusal { _ = try log.append(Self.batch(producer: 9, epoch: 2, sequence: 2)) } == .staleEpoch)
        // A smaller coordinator epoch than recorded is refused too.
        _ = try log.appendMarker(producerId: 9, producerEpoch: 3, coordinatorEpoch: 4, commit: true)
        #expect(Self.refusal {
            _ = try log.appendMarker(producerId: 9, producerEpoch: 3, coordinatorEpoch: 2, commit: true)
        } == .staleEpoch)
        // The new epoch starts at sequence 0.
        #expect(try log.append(Self.batch(producer: 9, epoch: 3, sequence: 0)).baseOffset == 4)
    }

    @Test("a marker for a producer with no open transaction is written, with no index entry")
    func markerWithoutTransaction() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let offset = try log.appendMarker(producerId: 11, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
        #expect(offset == 0 && log.logEndOffset == 1 && log.lastStableOffset == 1)
        #expect(try log.segments[0].abortedTransactions().isEmpty)
        let read = try log.read(from: 0, maxBytes: 1 << 20)
        let stored = try batches(in: try bytes(of: #require(read.slice)))
        #expect(stored.count == 1 && stored[0].isControl)
        #expect(try ControlBatch.parse(stored[0]).commit == false)
    }
}
