import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

@testable import SpoolBroker

/// The transactions admin APIs through the broker's real dispatch, coordinator, store and logs: DescribeTransactions
/// and ListTransactions report the coordinator's state with Kafka's state names and filters, and DescribeProducers
/// reports what a partition's log remembers of its producers.
@Suite struct TransactionAdminTests {
    private func initProducer(_ broker: RoutedBroker, _ id: String?) async throws -> InitProducerIdResponse {
        let response = try await broker.call(
            InitProducerIdRequest(transactionalId: id, transactionTimeoutMs: 60000), version: 4,
            as: InitProducerIdResponse.self)
        #expect(response.errorCode == 0, "InitProducerId \(id ?? "(none)")")
        return response
    }

    private func describe(_ broker: RoutedBroker, _ ids: [String]) async throws
        -> [DescribeTransactionsResponse.TransactionState]
    {
        try await broker.call(
            DescribeTransactionsRequest(transactionalIds: ids), version: 0, as: DescribeTransactionsResponse.self
        ).transactionStates
    }

    private func list(_ broker: RoutedBroker, states: [String] = [], producerIds: [Int64] = [],
                      minimumDurationMs: Int64 = -1, version: Int16 = 1) async throws -> ListTransactionsResponse
    {
        try await broker.call(
            ListTransactionsRequest(
                stateFilters: states, producerIdFilters: producerIds, durationFilter: minimumDurationMs),
            version: version, as: ListTransactionsResponse.self)
    }

    @Test("DescribeTransactions and ListTransactions show an open and an idle transaction, filtered as Kafka filters")
    func describeAndList() async throws {
        let broker = try await RoutedBroker()
        let catalog = broker.broker.partitions.catalog
        _ = try await catalog.createTopic(name: "in", partitions: 1, configs: [:])
        _ = try await catalog.createTopic(name: "out", partitions: 2, configs: [:])
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let open = try await initProducer(broker, "t-open")
        let added = try await broker.call(
            AddPartitionsToTxnRequest(
                v3AndBelowTransactionalId: "t-open", v3AndBelowProducerId: open.producerId,
                v3AndBelowProducerEpoch: open.producerEpoch,
                v3AndBelowTopics: [.init(name: "out", partitions: [1, 0]), .init(name: "in", partitions: [0])]),
            version: 3, as: AddPartitionsToTxnResponse.self)
        #expect(added.resultsByTopicV3AndBelow.flatMap(\.resultsByPartition).allSatisfy { $0.partitionErrorCode == 0 })
        let idle = try await initProducer(broker, "t-idle")

        let described = try await describe(broker, ["t-open", "t-idle", "missing"])
        #expect(described.map(\.errorCode) == [0, 0, KafkaErrorCode.transactionalIdNotFound.rawValue])
        let ongoing = try #require(described.first)
        #expect(ongoing.transactionState == "Ongoing" && ongoing.transactionTimeoutMs == 60000)
        #expect(ongoing.producerId == open.producerId && ongoing.producerEpoch == open.producerEpoch)
        #expect(ongoing.transactionStartTimeMs >= before)
        #expect(ongoing.topics.map(\.topic) == ["in", "out"] && ongoing.topics.map(\.partitions) == [[0], [0, 1]])
        #expect(described[1].transactionState == "Empty" && described[1].transactionStartTimeMs == -1)
        #expect(described[1].producerId == idle.producerId && described[1].topics.isEmpty)

        #expect(try await list(broker, version: 0).transactionStates.map(\.transactionalId) == ["t-idle", "t-open"])
        let byState = try await list(broker, states: ["Ongoing", "Stuck"])
        #expect(byState.transactionStates.map(\.transactionalId) == ["t-open"])
        #expect(byState.transactionStates.first?.transactionState == "Ongoing")
        #expect(byState.unknownStateFilters == ["Stuck"], "unknown state names are reported and ignored")
        #expect(try await list(broker, states: ["Stuck"]).transactionStates.isEmpty)
        let byProducer = try await list(broker, producerIds: [idle.producerId])
        #expect(byProducer.transactionStates.map(\.transactionalId) == ["t-idle"])
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await list(broker, minimumDurationMs: 5).transactionStates.map(\.transactionalId) == ["t-open"])
        #expect(try await list(broker, minimumDurationMs: 3_600_000).transactionStates.isEmpty)

        try await broker.stop()
    }

    @Test("what `spool txn abort` sends (InitProducerId) aborts the open transaction: the id is listed Empty")
    func abortByInitProducerId() async throws {
        let broker = try await RoutedBroker()
        let open = try await initProducer(broker, "t-offsets")
        // Offsets only: no partition needs a marker, so this holds whatever the log side can do.
        let added = try await broker.call(
            AddOffsetsToTxnRequest(
                transactionalId: "t-offsets", producerId: open.producerId, producerEpoch: open.producerEpoch,
                groupId: "g"), version: 3, as: AddOffsetsToTxnResponse.self)
        #expect(added.errorCode == 0)
        #expect(try await list(broker, states: ["Ongoing"]).transactionStates.map(\.transactionalId) == ["t-offsets"])
        _ = try await initProducer(broker, "t-offsets")
        let aborted = try #require(try await describe(broker, ["t-offsets"]).first)
        #expect(aborted.transactionState == "Empty" && aborted.producerEpoch >= open.producerEpoch + 2)
        #expect(aborted.producerId == open.producerId && aborted.transactionStartTimeMs == -1)
        #expect(try await list(broker, states: ["Ongoing"]).transactionStates.isEmpty)
        try await broker.stop()
    }

    @Test("DescribeProducers lists the idempotent producers a partition remembers; unknown partitions get error 3")
    func describeProducers() async throws {
        let broker = try await RoutedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "p", partitions: 2, configs: [:])
        let producer = try await initProducer(broker, nil)
        var builder = RecordBatchBuilder(
            producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: 0)
        for value in ["a", "b", "c"] { builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 0) }
        let produce = ProduceRequest(
            acks: -1, timeoutMs: 5_000,
            topicData: [.init(name: "p", partitionData: [.init(index: 1, records: builder.build())])])
        let produced = try await broker.call(produce, version: 9, as: ProduceResponse.self)
        #expect(produced.responses.first?.partitionResponses.first?.errorCode == 0)

        let response = try await broker.call(
            DescribeProducersRequest(topics: [
                .init(name: "p", partitionIndexes: [0, 1, 5]), .init(name: "nope", partitionIndexes: [0]),
            ]), version: 0, as: DescribeProducersResponse.self)
        let partitions = response.topics.flatMap(\.partitions)
        let unknown = KafkaErrorCode.unknownTopicOrPartition.rawValue
        #expect(partitions.map(\.errorCode) == [0, 0, unknown, unknown])
        #expect(partitions.first?.activeProducers.isEmpty == true)
        let active = try #require(partitions[1].activeProducers.first)
        #expect(partitions[1].activeProducers.count == 1)
        #expect(active.producerId == producer.producerId && active.producerEpoch == Int32(producer.producerEpoch))
        #expect(active.lastSequence == 2 && active.currentTxnStartOffset == -1)
        #expect(partitions[2].errorMessage?.contains("p-5 does not exist") == true)
        try await broker.stop()
    }
}
