import NIOCore
import NIOPosix
import SpoolLog
import SpoolProtocol
import SpoolRecords
import Testing

@testable import SpoolBroker

/// read_committed on a real broker's partitions: Fetch stops at the LSO and lists aborted transactions on the wire,
/// ListOffsets LATEST answers the LSO; read_uncommitted is as before.
@Suite struct ReadCommittedTests {
    static let time: Int64 = 1_764_000_000_000

    static func batch(producer: Int64, sequence: Int32, records: Int, transactional: Bool,
                      timestamp: Int64 = time) throws -> RecordBatch
    {
        var builder = RecordBatchBuilder(
            producerId: producer, producerEpoch: 0, baseSequence: sequence, isTransactional: transactional)
        for index in 0..<records {
            builder.append(key: nil, value: ByteBuffer(string: "value-\(index)"), timestamp: timestamp)
        }
        return try RecordBatch(buffer: builder.build())
    }

    /// A Fetch response's parts joined into one frame (file slices read back), decoded.
    static func decode(_ parts: [KafkaReplyPart], version: Int16) throws -> FetchResponse {
        var frame = ByteBufferAllocator().buffer(capacity: 1024)
        for part in parts {
            switch part {
            case .bytes(let bytes): frame.writeImmutableBuffer(bytes)
            case .file(let slice):
                frame.writeImmutableBuffer(try slice.file.read(count: slice.length, at: slice.position))
            }
        }
        frame.moveReaderIndex(forwardBy: 4)
        return try KafkaCodec.decodeResponse(frame, as: FetchResponse.self, version: version).body
    }

    @Test("read_committed fetches end below the LSO and carry the aborted transactions; LATEST is the LSO")
    func fetchAndListOffsets() async throws {
        let broker = try await PartitionManagerTests.broker(topic: "txn")
        let partitions = broker.broker.partitions
        let partition = TopicPartition(topic: "txn", partition: 0)
        let log = try #require(partitions.log(partition))
        _ = try log.append(Self.batch(producer: 5, sequence: 0, records: 2, transactional: true))  // 0-1
        _ = try log.append(Self.batch(producer: -1, sequence: -1, records: 1, transactional: false))  // 2
        _ = try log.append(
            Self.batch(producer: 6, sequence: 0, records: 2, transactional: true, timestamp: Self.time + 1000))  // 3-4
        _ = try await broker.broker.logManager.appendMarker(
            producerId: 5, producerEpoch: 0, coordinatorEpoch: 0, commit: false, to: log)  // 5
        #expect(partitions.state(of: partition)?.lastStableOffset == 3)
        #expect(try await partitions.offset(.latest, of: partition, readCommitted: true)?.offset == 3)
        #expect(try await partitions.offset(.latest, of: partition)?.offset == 6)
        // A lookup by time that lands in the open transaction has no answer for read_committed.
        let late = PartitionManager.OffsetSpec.timestamp(Self.time + 500)
        #expect(try await partitions.offset(late, of: partition, readCommitted: true) == nil)
        #expect(try await partitions.offset(late, of: partition)?.offset == 3)

        for readCommitted in [true, false] {
            let plan = ReadPlan(
                partitions: [
                    .init(partition: partition, fetchOffset: 0, maxBytes: 1 << 20, readCommitted: readCommitted),
                ],
                maxBytes: 1 << 20)
            let read = try #require(try await partitions.read(plan).reads.first)
            let result = FetchHandler.PartitionResult(
                index: 0, highWatermark: read.state?.highWatermark ?? -1,
                lastStableOffset: read.state?.lastStableOffset ?? -1, logStartOffset: 0, slice: read.slice,
                abortedTransactions: read.abortedTransactions)
            for version: Int16 in [4, 11, 12] {
                let parts = try FetchResponseEncoder.encode(
                    [.init(name: "txn", partitions: [result])], version: version, correlationId: 1)
                let answer = try #require(try Self.decode(parts, version: version).responses.first?.partitions.first)
                #expect(answer.highWatermark == 6 && answer.lastStableOffset == 3, "v\(version)")
                let batches = try RecordBatch.split(try #require(answer.records))
                let aborted = (answer.abortedTransactions ?? []).map { [$0.producerId, $0.firstOffset] }
                if readCommitted {
                    #expect(batches.map(\.baseOffset) == [0, 2], "v\(version)")
                    #expect(aborted == [[5, 0]], "v\(version)")
                } else {
                    #expect(batches.map(\.baseOffset) == [0, 2, 3, 5], "v\(version)")
                    #expect(aborted.isEmpty, "v\(version)")
                }
            }
        }
        try await broker.stop()
    }

    @Test("a read_committed long poll is not woken by appends inside an open transaction, but by its marker")
    func longPollWaitsForTheLastStableOffset() async throws {
        let broker = try await PartitionManagerTests.broker(topic: "txn-wait")
        let partitions = broker.broker.partitions
        let partition = TopicPartition(topic: "txn-wait", partition: 0)
        let log = try #require(partitions.log(partition))
        _ = try log.append(Self.batch(producer: 8, sequence: 0, records: 1, transactional: true))
        let plan = ReadPlan(
            partitions: [.init(partition: partition, fetchOffset: 0, maxBytes: 1 << 20, readCommitted: true)],
            maxBytes: 1 << 20)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let start = ContinuousClock.now
        async let fetched = partitions.fetch(plan, minBytes: 1, maxWaitMs: 5_000, eventLoop: loop)
        try await Task.sleep(for: .milliseconds(200))
        // More of the transaction: the LSO does not move, the fetch keeps waiting.
        _ = try await partitions.logManager.append(
            Self.batch(producer: 8, sequence: 1, records: 1, transactional: true), to: log)
        partitions.delayed.wake(.appended(partition))
        try await Task.sleep(for: .milliseconds(200))
        _ = try await partitions.logManager.appendMarker(
            producerId: 8, producerEpoch: 0, coordinatorEpoch: 0, commit: true, to: log)
        partitions.delayed.wake(.appended(partition))
        let result = try await fetched
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(400) && waited < .seconds(4))
        #expect(result.reads.first?.state?.lastStableOffset == 3)
        #expect(try RecordBatch.split(try bytes(of: #require(result.reads.first?.slice))).count == 3)
        try await broker.stop()
    }

    private func bytes(of slice: FileSlice) throws -> ByteBuffer {
        try slice.file.read(count: slice.length, at: slice.position)
    }
}
