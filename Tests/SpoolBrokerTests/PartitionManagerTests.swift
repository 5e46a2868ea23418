import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolLog
import SpoolProtocol
import SpoolRecords
import Testing

@testable import SpoolBroker

/// The partition layer on a real broker (real logs, real fsyncs): acks, long-poll fetches, leader epochs.
@Suite struct PartitionManagerTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    static func records(_ count: Int) -> ByteBuffer {
        var builder = RecordBatchBuilder()
        for index in 0..<count {
            builder.append(key: nil, value: ByteBuffer(string: "value-\(index)"), timestamp: 1_764_000_000_000)
        }
        return builder.build()
    }

    static func broker(topic: String) async throws -> RoutedBroker {
        let broker = try await RoutedBroker()
        let created = try await broker.call(
            CreateTopicsRequest(topics: [.init(name: topic, numPartitions: 2, replicationFactor: 1)]), version: 5,
            as: CreateTopicsResponse.self)
        #expect(created.topics.map(\.errorCode) == [0])
        return broker
    }

    @Test("acks=all is answered only once an fsync covers the records; acks=1 once they are written")
    func acks() async throws {
        let broker = try await Self.broker(topic: "acks")
        let partitions = broker.broker.partitions
        let partition = TopicPartition(topic: "acks", partition: 0)
        let log = try #require(partitions.log(partition))
        let rounds = broker.broker.logManager.groupCommitRounds
        for round in 0..<5 {
            let outcomes = await partitions.appendRecords(
                [ProduceInput(partition: partition, records: Self.records(10))], acks: -1, timeoutMs: 30_000,
                eventLoop: loop, written: {})
            #expect(outcomes.map(\.error?.code) == [nil])
            #expect(outcomes.first?.baseOffset == Int64(round * 10))
            // Durable before the answer: the fsync covered the last offset given.
            #expect(log.flushedOffset >= Int64(round * 10 + 10))
        }
        #expect(broker.broker.logManager.groupCommitRounds >= rounds + 5)
        let written = await partitions.appendRecords(
            [ProduceInput(partition: partition, records: Self.records(3))], acks: 1, timeoutMs: 30_000,
            eventLoop: loop, written: {})
        #expect(written.first?.baseOffset == 50)
        #expect(log.logEndOffset == 53)
        #expect(partitions.delayed.waitingCount == 0)
        try await broker.stop()
    }

    @Test("an acks=all produce whose timeout passes before its append ran waits for the append and answers it")
    func timeoutBeforeAppend() async throws {
        let broker = try await Self.broker(topic: "held")
        let partitions = broker.broker.partitions
        let manager = broker.broker.logManager
        let partition = TopicPartition(topic: "held", partition: 0)
        let log = try #require(partitions.log(partition))
        // Every I/O thread held, so the append cannot start before the produce's 50 ms timeout passes.
        let threads = max(2, manager.configuration.ioThreads)
        let held = NIOLockedValueBox(0)
        let released = NIOLockedValueBox(false)
        let holders = (0..<threads).map { _ in
            Task {
                try await manager.onIOThread {
                    held.withLockedValue { $0 += 1 }
                    while !released.withLockedValue({ $0 }) { usleep(1000) }
                }
            }
        }
        try await waitUntil { held.withLockedValue { $0 } == threads }
        let answered = NIOLockedValueBox(false)
        let produce = Task { [loop] in
            let outcomes = await partitions.appendRecords(
                [ProduceInput(partition: partition, records: Self.records(4))], acks: -1, timeoutMs: 50,
                eventLoop: loop, written: {})
            answered.withLockedValue { $0 = true }
            return outcomes
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!answered.withLockedValue { $0 }, "no answer before the append is done, timeout or not")
        #expect(log.logEndOffset == 0)
        released.withLockedValue { $0 = true }
        for holder in holders { try await holder.value }
        let outcomes = await produce.value
        #expect(log.logEndOffset == 4, "appended once the pool was free")
        // Written but past its timeout: REQUEST_TIMED_OUT, unless the fsync landed before the produce looked.
        let code = try #require(outcomes.first).error?.code
        #expect(code == nil || code == .requestTimedOut, "got \(String(describing: code))")
        #expect(partitions.delayed.waitingCount == 0)
        try await broker.stop()
    }

    @Test("acks other than 0, 1 and -1 are INVALID_REQUIRED_ACKS for every partition, and nothing is written")
    func invalidAcks() async throws {
        let broker = try await Self.broker(topic: "bad-acks")
        let partitions = broker.broker.partitions
        let inputs = (0..<2).map {
            ProduceInput(partition: TopicPartition(topic: "bad-acks", partition: $0), records: Self.records(1))
        }
        let outcomes = await partitions.appendRecords(
            inputs, acks: 2, timeoutMs: 1000, eventLoop: loop, written: {})
        #expect(outcomes.map(\.error?.code) == [.invalidRequiredAcks, .invalidRequiredAcks])
        #expect(partitions.state(of: inputs[0].partition)?.logEndOffset == 0)
        try await broker.stop()
    }

    @Test("a fetch waiting for data is woken by an append, long before its max wait")
    func longPollWokenByAppend() async throws {
        let broker = try await Self.broker(topic: "poll")
        let partitions = broker.broker.partitions
        let partition = TopicPartition(topic: "poll", partition: 1)
        let plan = ReadPlan(partitions: [.init(partition: partition, fetchOffset: 0, maxBytes: 1 << 20)], maxBytes: 1 << 20)
        let start = ContinuousClock.now
        let fetch = Task { [loop] in try await partitions.fetch(plan, minBytes: 1, maxWaitMs: 20_000, eventLoop: loop) }
        try await waitUntil { partitions.delayed.waitingCount == 1 }
        _ = await partitions.appendRecords(
            [ProduceInput(partition: partition, records: Self.records(4))], acks: 1, timeoutMs: 1000,
            eventLoop: loop, written: {})
        let result = try await fetch.value
        #expect(ContinuousClock.now - start < .seconds(20), "woken by the append, not by the deadline")
        #expect(result.reads.first?.slice?.firstOffset == 0)
        #expect(result.reads.first?.state?.highWatermark == 4)
        #expect(result.bytes > 0)
        #expect(partitions.delayed.waitingCount == 0)
        try await broker.stop()
    }

    @Test("a waiting fetch whose task is cancelled (its connection closed) ends at once")
    func fetchCancelled() async throws {
        let broker = try await Self.broker(topic: "gone")
        let partitions = broker.broker.partitions
        let plan = ReadPlan(
            partitions: [.init(partition: TopicPartition(topic: "gone", partition: 0), fetchOffset: 0, maxBytes: 1024)],
            maxBytes: 1024)
        let fetch = Task { [loop] in try await partitions.fetch(plan, minBytes: 1, maxWaitMs: 30_000, eventLoop: loop) }
        try await waitUntil { partitions.delayed.waitingCount == 1 }
        fetch.cancel()
        await #expect(throws: CancellationError.self) { try await fetch.value }
        #expect(partitions.delayed.waitingCount == 0)
        try await broker.stop()
    }

    @Test("a client that closes its connection during a long-poll fetch ends the wait at once, not at max_wait_ms")
    func closedConnectionEndsWait() async throws {
        let broker = try await Self.broker(topic: "closed")
        let partitions = broker.broker.partitions
        let port = try #require(broker.broker.listenerPort)
        do {
            let connection = try BlockingKafkaConnection(port: port)
            var fetch = FetchRequest(maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20)
            fetch.topics = [.init(topic: "closed", partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1024)])]
            var frame = ByteBuffer()
            try KafkaCodec.encodeRequest(fetch, version: 12, correlationId: 1, clientId: "closer", into: &frame)
            connection.send(Array(frame.readableBytesView))
            try await waitUntil { partitions.delayed.waitingCount == 1 }
        }  // the connection's socket is closed here
        let closed = ContinuousClock.now
        try await waitUntil { partitions.delayed.waitingCount == 0 }
        #expect(ContinuousClock.now - closed < .seconds(10), "cancelled with its connection, not expired at 30 s")
        try await broker.stop()
    }

    @Test("a read at every partition's end answers each one's offsets and no data, as a read with data does")
    func readAtEnd() async throws {
        let broker = try await Self.broker(topic: "ends")
        let partitions = broker.broker.partitions
        let first = TopicPartition(topic: "ends", partition: 0)
        let second = TopicPartition(topic: "ends", partition: 1)
        _ = await partitions.appendRecords(
            [ProduceInput(partition: first, records: Self.records(5))], acks: 1, timeoutMs: 1000, eventLoop: loop,
            written: {})
        _ = await partitions.appendRecords(
            [ProduceInput(partition: second, records: Self.records(3))], acks: 1, timeoutMs: 1000, eventLoop: loop,
            written: {})
        #expect(try await partitions.deleteRecords(of: second, before: 3) == 3)
        func plan(_ offsets: (Int64, Int64), missing: Bool = false) -> ReadPlan {
            var planned: [ReadPlan.Partition] = [
                .init(partition: first, fetchOffset: offsets.0, maxBytes: 1 << 20),
                .init(partition: second, fetchOffset: offsets.1, maxBytes: 1 << 20),
            ]
            if missing { planned.append(.init(partition: TopicPartition(topic: "ends", partition: 9), fetchOffset: 0, maxBytes: 1)) }
            return ReadPlan(partitions: planned, maxBytes: 1 << 20)
        }
        // Both at their ends (the second emptied by DeleteRecords): offsets, no slices, no bytes; a missing
        // partition keeps its own error.
        let atEnd = try await partitions.read(plan((5, 3), missing: true))
        #expect(atEnd.bytes == 0)
        #expect(atEnd.reads.map { $0.slice == nil } == [true, true, true])
        #expect(atEnd.reads.map(\.error?.code) == [nil, nil, .unknownTopicOrPartition])
        #expect(atEnd.reads.map { $0.state?.highWatermark } == [5, 3, nil])
        #expect(atEnd.reads.map { $0.state?.logStartOffset } == [0, 3, nil])
        #expect(atEnd.reads.map { $0.state?.lastStableOffset } == [5, 3, nil])
        // One partition behind its end: the same states, and its records.
        let behind = try await partitions.read(plan((2, 3)))
        #expect(behind.reads.map { $0.state } == atEnd.reads.prefix(2).map { $0.state })
        #expect(behind.reads.first?.slice?.firstOffset == 0, "the batch holding offset 2")
        #expect(behind.bytes > 0)
        // Past the end is still out of range, not an empty answer.
        let past = try await partitions.read(plan((6, 3)))
        #expect(past.reads.map(\.error?.code) == [.offsetOutOfRange, nil])
        try await broker.stop()
    }

    @Test("leader epochs are checked: one newer than the leader's is UNKNOWN_LEADER_EPOCH, the leader's own passes")
    func leaderEpochs() async throws {
        let broker = try await Self.broker(topic: "epochs")
        let partitions = broker.broker.partitions
        let partition = TopicPartition(topic: "epochs", partition: 0)
        #expect(partitions.state(of: partition)?.leaderEpoch == 0)
        let plan = ReadPlan(
            partitions: [
                .init(partition: partition, fetchOffset: 0, maxBytes: 1024, currentLeaderEpoch: 1),
                .init(partition: partition, fetchOffset: 0, maxBytes: 1024, currentLeaderEpoch: 0),
                .init(partition: TopicPartition(topic: "epochs", partition: 7), fetchOffset: 0, maxBytes: 1024),
            ],
            maxBytes: 4096)
        let read = try await partitions.read(plan)
        #expect(read.reads.map(\.error?.code) == [.unknownLeaderEpoch, nil, .unknownTopicOrPartition])
        let listed = try await broker.call(
            ListOffsetsRequest(replicaId: -1, topics: [
                .init(name: "epochs", partitions: [.init(partitionIndex: 0, currentLeaderEpoch: 3, timestamp: -1)]),
            ]), version: 4, as: ListOffsetsResponse.self)
        #expect(listed.topics.first?.partitions.first?.errorCode == KafkaErrorCode.unknownLeaderEpoch.rawValue)
        try await broker.stop()
    }
}
