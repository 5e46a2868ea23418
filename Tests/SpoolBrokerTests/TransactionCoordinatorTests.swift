import Foundation
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// The transaction coordinator's answers through the broker's real dispatch, store and logs: producer ids and
/// epochs per transactional id, fencing with the code each version knows, the state machine's refusals, offsets
/// that become visible only when their transaction commits, and state that survives a restart.
@Suite struct TransactionCoordinatorTests {
    private func initProducer(_ broker: RoutedBroker, _ id: String, version: Int16 = 4, timeoutMs: Int32 = 60000)
        async throws -> InitProducerIdResponse
    {
        try await broker.call(
            InitProducerIdRequest(transactionalId: id, transactionTimeoutMs: timeoutMs), version: version,
            as: InitProducerIdResponse.self)
    }

    private func addOffsets(_ broker: RoutedBroker, _ id: String, _ producer: InitProducerIdResponse, group: String,
                            version: Int16 = 3) async throws -> Int16
    {
        try await broker.call(
            AddOffsetsToTxnRequest(
                transactionalId: id, producerId: producer.producerId, producerEpoch: producer.producerEpoch,
                groupId: group), version: version, as: AddOffsetsToTxnResponse.self
        ).errorCode
    }

    private func commitOffset(_ broker: RoutedBroker, _ id: String, _ producer: InitProducerIdResponse,
                              group: String, topic: String, offset: Int64) async throws -> Int16
    {
        let request = TxnOffsetCommitRequest(
            transactionalId: id, groupId: group, producerId: producer.producerId,
            producerEpoch: producer.producerEpoch, generationId: -1, memberId: "",
            topics: [.init(name: topic, partitions: [.init(partitionIndex: 0, committedOffset: offset)])])
        let response = try await broker.call(request, version: 3, as: TxnOffsetCommitResponse.self)
        return response.topics.first?.partitions.first?.errorCode ?? -1
    }

    private func endTxn(_ broker: RoutedBroker, _ id: String, _ producer: InitProducerIdResponse, commit: Bool,
                        version: Int16 = 3) async throws -> Int16
    {
        try await broker.call(
            EndTxnRequest(
                transactionalId: id, producerId: producer.producerId, producerEpoch: producer.producerEpoch,
                committed: commit), version: version, as: EndTxnResponse.self
        ).errorCode
    }

    /// (offset, error code) of the group's partition 0 of `topic` with require_stable.
    private func fetchStable(_ broker: RoutedBroker, group: String, topic: String) async throws -> (Int64, Int16) {
        let request = OffsetFetchRequest(
            groupId: group, topics: [.init(name: topic, partitionIndexes: [0])], requireStable: true)
        let response = try await broker.call(request, version: 7, as: OffsetFetchResponse.self)
        let partition = try #require(response.topics.first?.partitions.first)
        return (partition.committedOffset, partition.errorCode)
    }

    @Test("FindCoordinator answers transaction keys with this broker at every version")
    func findCoordinator() async throws {
        let broker = try await RoutedBroker()
        for version in try #require(broker.router.registry.versions(of: .findCoordinator)) where version >= 1 {
            var request = FindCoordinatorRequest(keyType: 1)
            if version >= 4 { request.coordinatorKeys = ["t1", "t2"] } else { request.key = "t1" }
            let response = try await broker.call(request, version: version, as: FindCoordinatorResponse.self)
            if version >= 4 {
                #expect(response.coordinators.map(\.errorCode) == [0, 0], "v\(version)")
                #expect(response.coordinators.allSatisfy { $0.nodeId == 1 })
            } else {
                #expect(response.errorCode == 0 && response.nodeId == 1)
            }
        }
        try await broker.stop()
    }

    @Test("InitProducerId keeps one producer id per transactional id and bumps its epoch; limits the timeout")
    func producerIdsAndEpochs() async throws {
        let broker = try await RoutedBroker { $0.transactionMaxTimeoutMs = 60000 }
        let first = try await initProducer(broker, "t1")
        #expect(first.errorCode == 0 && first.producerId >= 1000 && first.producerEpoch == 0)
        let second = try await initProducer(broker, "t1", version: 1)
        #expect(second.errorCode == 0 && second.producerId == first.producerId && second.producerEpoch == 1)
        let other = try await initProducer(broker, "t2")
        #expect(other.errorCode == 0 && other.producerId != first.producerId)
        let tooLong = try await initProducer(broker, "t3", timeoutMs: 60001)
        #expect(tooLong.errorCode == KafkaErrorCode.invalidTransactionTimeout.rawValue)
        let idempotent = try await broker.call(
            InitProducerIdRequest(transactionalId: "", transactionTimeoutMs: -1), version: 4,
            as: InitProducerIdResponse.self)
        #expect(idempotent.errorCode == 0 && idempotent.producerId != first.producerId)
        try await broker.stop()
    }

    @Test("transactional.id.max bounds the ids kept: a new id past it is refused, known ids go on")
    func idLimit() async throws {
        let broker = try await RoutedBroker { $0.transactionalIdMaximum = 2 }
        #expect(try await initProducer(broker, "t1").errorCode == 0)
        #expect(try await initProducer(broker, "t2").errorCode == 0)
        #expect(try await initProducer(broker, "t3").errorCode == KafkaErrorCode.coordinatorNotAvailable.rawValue)
        #expect(try await initProducer(broker, "t1").producerEpoch == 1)
        #expect(broker.broker.transactions.transactions.count == 2)
        try await broker.stop()
    }

    @Test("a fenced producer gets PRODUCER_FENCED where its version knows it and INVALID_PRODUCER_EPOCH before")
    func fencingCodes() async throws {
        let broker = try await RoutedBroker()
        let zombie = try await initProducer(broker, "t1")
        _ = try await initProducer(broker, "t1")
        #expect(try await addOffsets(broker, "t1", zombie, group: "g", version: 1)
            == KafkaErrorCode.invalidProducerEpoch.rawValue)
        #expect(try await addOffsets(broker, "t1", zombie, group: "g", version: 2)
            == KafkaErrorCode.producerFenced.rawValue)
        #expect(try await endTxn(broker, "t1", zombie, commit: true, version: 1)
            == KafkaErrorCode.invalidProducerEpoch.rawValue)
        #expect(try await endTxn(broker, "t1", zombie, commit: true, version: 2)
            == KafkaErrorCode.producerFenced.rawValue)
        var wrongId = zombie
        wrongId.producerId += 1
        #expect(try await addOffsets(broker, "t1", wrongId, group: "g")
            == KafkaErrorCode.invalidProducerIdMapping.rawValue)
        #expect(try await addOffsets(broker, "unknown", zombie, group: "g")
            == KafkaErrorCode.invalidProducerIdMapping.rawValue)
        try await broker.stop()
    }

    @Test("EndTxn follows the state machine: commit needs an open transaction, retries are idempotent")
    func endTxnStates() async throws {
        let broker = try await RoutedBroker()
        let producer = try await initProducer(broker, "t1")
        #expect(try await endTxn(broker, "t1", producer, commit: true) == KafkaErrorCode.invalidTxnState.rawValue)
        #expect(try await endTxn(broker, "t1", producer, commit: false) == 0)
        #expect(try await addOffsets(broker, "t1", producer, group: "g") == 0)
        #expect(try await endTxn(broker, "t1", producer, commit: true) == 0)
        #expect(try await endTxn(broker, "t1", producer, commit: true) == 0, "a retried commit")
        #expect(try await endTxn(broker, "t1", producer, commit: false) == KafkaErrorCode.invalidTxnState.rawValue)
        try await broker.stop()
    }

    @Test("transactional offsets are committed only when the transaction commits, and dropped when it aborts")
    func offsetsFollowTheOutcome() async throws {
        let broker = try await RoutedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "in", partitions: 1, configs: [:])
        let producer = try await initProducer(broker, "t1")
        #expect(try await commitOffset(broker, "t1", producer, group: "g", topic: "in", offset: 5)
            == KafkaErrorCode.invalidTxnState.rawValue, "the group was not added to the transaction")
        #expect(try await addOffsets(broker, "t1", producer, group: "g") == 0)
        #expect(try await commitOffset(broker, "t1", producer, group: "g", topic: "in", offset: 5) == 0)
        #expect(try await fetchStable(broker, group: "g", topic: "in")
            == (-1, KafkaErrorCode.unstableOffsetCommit.rawValue))
        #expect(try await endTxn(broker, "t1", producer, commit: true) == 0)
        #expect(try await fetchStable(broker, group: "g", topic: "in") == (5, 0))

        #expect(try await addOffsets(broker, "t1", producer, group: "g") == 0)
        #expect(try await commitOffset(broker, "t1", producer, group: "g", topic: "in", offset: 9) == 0)
        #expect(try await endTxn(broker, "t1", producer, commit: false) == 0)
        #expect(try await fetchStable(broker, group: "g", topic: "in") == (5, 0))
        try await broker.stop()
    }

    @Test("a new producer of the id aborts the transaction its predecessor left open, and a zombie cannot commit")
    func initAbortsOpenTransaction() async throws {
        let broker = try await RoutedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "in", partitions: 1, configs: [:])
        let zombie = try await initProducer(broker, "t1")
        #expect(try await addOffsets(broker, "t1", zombie, group: "g") == 0)
        #expect(try await commitOffset(broker, "t1", zombie, group: "g", topic: "in", offset: 7) == 0)
        let successor = try await initProducer(broker, "t1")
        #expect(successor.errorCode == 0 && successor.producerEpoch >= zombie.producerEpoch + 2)
        #expect(try await endTxn(broker, "t1", zombie, commit: true, version: 1)
            == KafkaErrorCode.invalidProducerEpoch.rawValue)
        #expect(try await commitOffset(broker, "t1", zombie, group: "g", topic: "in", offset: 8)
            == KafkaErrorCode.invalidProducerEpoch.rawValue, "TxnOffsetCommit fences with 47 (librdkafka)")
        #expect(try await fetchStable(broker, group: "g", topic: "in") == (-1, 0), "the aborted offset is dropped")
        #expect(broker.broker.transactions.transaction("t1")?.phase == .empty)
        try await broker.stop()
    }

    @Test("the coordinator's state survives a restart; an open transaction is aborted after its timeout")
    func restart() async throws {
        let directory = temporaryDataDirectory()
        let broker = try await RoutedBroker { $0.dataDirectory = directory }
        _ = try await broker.broker.partitions.catalog.createTopic(name: "in", partitions: 1, configs: [:])
        let producer = try await initProducer(broker, "t1", timeoutMs: 1000)
        #expect(try await addOffsets(broker, "t1", producer, group: "g") == 0)
        #expect(try await commitOffset(broker, "t1", producer, group: "g", topic: "in", offset: 3) == 0)
        try await broker.stop()

        let restarted = try await RoutedBroker { $0.dataDirectory = directory }
        let coordinator = restarted.broker.transactions
        let reloaded = try #require(coordinator.transaction("t1"))
        #expect(reloaded.phase == .ongoing && reloaded.producerId == producer.producerId)
        #expect(reloaded.pendingOffsets.map(\.committed.offset) == [3])
        #expect(try await fetchStable(restarted, group: "g", topic: "in")
            == (-1, KafkaErrorCode.unstableOffsetCommit.rawValue))
        try await Task.sleep(for: .milliseconds(1100))
        await coordinator.sweep()
        let aborted = try #require(coordinator.transaction("t1"))
        #expect(aborted.phase == .completeAbort && aborted.producerEpoch == producer.producerEpoch + 1)
        #expect(try await fetchStable(restarted, group: "g", topic: "in") == (-1, 0))
        #expect(try await endTxn(restarted, "t1", producer, commit: true, version: 1)
            == KafkaErrorCode.invalidProducerEpoch.rawValue, "the timed-out producer is fenced")
        try await restarted.stop()
    }
}
