import Foundation
import SpoolProtocol
import SpoolTestSupport
import Testing

/// Share consumers that misuse ShareFetch and ShareAcknowledge against the real `spool serve`: each misuse gets
/// Kafka's error code, and the broker keeps serving the same connection and the well-behaved members.
@Suite struct ShareMisuseTests {
    typealias Ack = ShareAcknowledgeRequest.AcknowledgementBatch
    static let accept: Int8 = 1

    /// One batch accepting `first...last`.
    static func ack(_ first: Int64, _ last: Int64) -> [Ack] {
        [Ack(firstOffset: first, lastOffset: last, acknowledgeTypes: [accept])]
    }

    static func start(_ settings: [String] = []) async throws -> (RunningBroker, ShareWire, KafkaUUID) {
        let (broker, wire) = try await ShareOffsetsTests.start(temporaryDataDirectory(), settings)
        let topicId = try ShareOffsetsTests.createTopic(wire, "work")
        return (broker, wire, topicId)
    }

    static func acknowledgeCode(_ response: ShareAcknowledgeResponse) -> Int16? {
        response.responses.first?.partitions.first?.errorCode
    }

    static func acquired(_ response: ShareFetchResponse) -> [ClosedRange<Int64>] {
        (response.responses.first?.partitions.first?.acquiredRecords ?? []).map { $0.firstOffset...$0.lastOffset }
    }

    @Test("a wrong epoch, an unknown session and epoch 0 on ShareAcknowledge get the share session errors")
    func sessionErrors() async throws {
        let (broker, wire, topicId) = try await Self.start()
        #expect(try wire.fetch("g", "m", epoch: 0, topicId: topicId).errorCode == 0)
        let wrong = try wire.fetch("g", "m", epoch: 7, topicId: topicId)
        #expect(wrong.errorCode == KafkaErrorCode.invalidShareSessionEpoch.rawValue, "\(wrong)")
        let unknown = try wire.fetch("g", "stranger", epoch: 1, topicId: topicId)
        #expect(unknown.errorCode == KafkaErrorCode.shareSessionNotFound.rawValue, "\(unknown)")
        let ackUnknown = try wire.acknowledge("g", "stranger", epoch: 1, topicId: topicId, [])
        #expect(ackUnknown.errorCode == KafkaErrorCode.shareSessionNotFound.rawValue)
        let ackZero = try wire.acknowledge("g", "m", epoch: 0, topicId: topicId, [])
        #expect(ackZero.errorCode == KafkaErrorCode.invalidShareSessionEpoch.rawValue)
        // Acknowledgements cannot open a session.
        let opening = try wire.fetch(
            "g", "m2", epoch: 0, topicId: topicId,
            acknowledge: [.init(firstOffset: 0, lastOffset: 0, acknowledgeTypes: [Self.accept])])
        #expect(opening.errorCode == KafkaErrorCode.invalidRequest.rawValue, "\(opening)")
        // None of it disturbed the session: its next epoch is still 1.
        try wire.produce("work", count: 3)
        let next = try wire.fetch("g", "m", epoch: 1, topicId: topicId)
        #expect(next.errorCode == 0 && Self.acquired(next) == [0...2], "\(next)")
        _ = try await broker.stop()
    }

    @Test("acknowledging a record not held, acknowledged twice, or whose lock expired is INVALID_RECORD_STATE")
    func invalidRecordState() async throws {
        let (broker, wire, topicId) = try await Self.start(["group.share.record.lock.duration.ms=1000"])
        try wire.produce("work", count: 10)
        #expect(Self.acquired(try wire.fetch("g", "a", epoch: 0, topicId: topicId, maxRecords: 5)) == [0...4])
        _ = try wire.fetch("g", "b", epoch: 0, topicId: topicId, maxRecords: 1)  // b holds 5

        let byOther = try wire.acknowledge("g", "b", epoch: 1, topicId: topicId, Self.ack(0, 0))
        #expect(Self.acknowledgeCode(byOther) == KafkaErrorCode.invalidRecordState.rawValue)
        let never = try wire.acknowledge("g", "a", epoch: 1, topicId: topicId, Self.ack(8, 8))
        #expect(Self.acknowledgeCode(never) == KafkaErrorCode.invalidRecordState.rawValue)
        let first = try wire.acknowledge("g", "a", epoch: 2, topicId: topicId, Self.ack(0, 0))
        #expect(Self.acknowledgeCode(first) == 0)
        let twice = try wire.acknowledge("g", "a", epoch: 3, topicId: topicId, Self.ack(0, 0))
        #expect(Self.acknowledgeCode(twice) == KafkaErrorCode.invalidRecordState.rawValue)

        try await Task.sleep(for: .milliseconds(1300))
        let expired = try wire.acknowledge("g", "a", epoch: 4, topicId: topicId, Self.ack(1, 1))
        #expect(Self.acknowledgeCode(expired) == KafkaErrorCode.invalidRecordState.rawValue)
        // The expired records went back: another member gets them.
        let redelivered = try wire.fetch("g", "b", epoch: 2, topicId: topicId, maxRecords: 4)
        #expect(Self.acquired(redelivered) == [1...4], "\(redelivered)")
        _ = try await broker.stop()
    }

    @Test("a member opening a new session (epoch 0) gets back what its old session held, not the next records")
    func reopenReleases() async throws {
        let (broker, wire, topicId) = try await Self.start()
        try wire.produce("work", count: 10)
        #expect(Self.acquired(try wire.fetch("g", "a", epoch: 0, topicId: topicId, maxRecords: 5)) == [0...4])
        let reopened = try wire.fetch("g", "a", epoch: 0, topicId: topicId, maxRecords: 5)
        #expect(Self.acquired(reopened) == [0...4], "\(reopened)")
        #expect(reopened.responses.first?.partitions.first?.acquiredRecords.first?.deliveryCount == 2)
        _ = try await broker.stop()
    }

    @Test("malformed acknowledgement batches are INVALID_REQUEST and change nothing")
    func malformedBatches() async throws {
        let (broker, wire, topicId) = try await Self.start()
        try wire.produce("work", count: 10)
        #expect(Self.acquired(try wire.fetch("g", "a", epoch: 0, topicId: topicId)) == [0...9])
        let malformed: [[Ack]] = [
            Self.ack(5, 2),  // first after last
            [Ack(firstOffset: 0, lastOffset: 2, acknowledgeTypes: [1, 1])],  // neither one type nor one per offset
            [Ack(firstOffset: 0, lastOffset: 0, acknowledgeTypes: [9])],  // no such type
            [Ack(firstOffset: 0, lastOffset: 0, acknowledgeTypes: [])],  // no type
            Self.ack(0, 3) + Self.ack(3, 4),  // overlapping
            Self.ack(-1, 0),
        ]
        var epoch: Int32 = 1
        for batches in malformed {
            let answer = try wire.acknowledge("g", "a", epoch: epoch, topicId: topicId, batches)
            epoch += 1
            #expect(Self.acknowledgeCode(answer) == KafkaErrorCode.invalidRequest.rawValue, "\(batches)")
        }
        // Nothing was applied: all ten records are still held and can be accepted.
        let good = try wire.acknowledge("g", "a", epoch: epoch, topicId: topicId, Self.ack(0, 9))
        #expect(Self.acknowledgeCode(good) == 0)
        #expect(try wire.offsets("g")["work/0"]?.start == 10)
        _ = try await broker.stop()
    }

    @Test("past group.share.max.share.sessions a new session gets SHARE_SESSION_LIMIT_REACHED until one closes")
    func sessionLimit() async throws {
        let (broker, wire, topicId) = try await Self.start(["group.share.max.share.sessions=2"])
        #expect(try wire.fetch("g", "a", epoch: 0, topicId: topicId).errorCode == 0)
        #expect(try wire.fetch("g", "b", epoch: 0, topicId: topicId).errorCode == 0)
        let third = try wire.fetch("g", "c", epoch: 0, topicId: topicId)
        #expect(third.errorCode == KafkaErrorCode.shareSessionLimitReached.rawValue, "\(third)")
        #expect(KafkaErrorCode(rawValue: third.errorCode).name == "SHARE_SESSION_LIMIT_REACHED")
        // A member re-opening its own session is not a new one.
        #expect(try wire.fetch("g", "a", epoch: 0, topicId: topicId).errorCode == 0)
        #expect(try wire.fetch("g", "b", epoch: -1, topicId: topicId).errorCode == 0)
        #expect(try wire.fetch("g", "c", epoch: 0, topicId: topicId).errorCode == 0)
        _ = try await broker.stop()
    }

    @Test("a full in-flight window acquires nothing more until acknowledgements move the start offset")
    func inFlightWindow() async throws {
        let (broker, wire, topicId) = try await Self.start(["group.share.partition.max.record.locks=100"])
        try wire.produce("work", count: 150)
        #expect(Self.acquired(try wire.fetch("g", "a", epoch: 0, topicId: topicId, maxRecords: 500)) == [0...99])
        #expect(Self.acquired(try wire.fetch("g", "b", epoch: 0, topicId: topicId, maxRecords: 500)) == [])
        let stats = try #require(try wire.offsets("g")["work/0"]?.stats)
        #expect(stats.acquired == 100 && stats.available == 50, "\(stats)")
        let accepted = try wire.acknowledge("g", "a", epoch: 1, topicId: topicId, Self.ack(0, 9))
        #expect(Self.acknowledgeCode(accepted) == 0)
        #expect(Self.acquired(try wire.fetch("g", "b", epoch: 1, topicId: topicId, maxRecords: 500)) == [100...109])
        _ = try await broker.stop()
    }

    @Test("an unknown topic id gets UNKNOWN_TOPIC_ID, an unknown partition UNKNOWN_TOPIC_OR_PARTITION")
    func unknownTopic() async throws {
        let (broker, wire, topicId) = try await Self.start()
        let ghost = KafkaUUID(high: 0x1234, low: 0x5678)
        let noTopic = try wire.fetch("g", "a", epoch: 0, topicId: ghost)
        #expect(noTopic.errorCode == 0)
        #expect(noTopic.responses.first?.partitions.first?.errorCode == KafkaErrorCode.unknownTopicId.rawValue)
        let noPartition = try wire.fetch("g", "a", epoch: 1, topicId: topicId, partitions: [3])
        #expect(noPartition.responses.first?.partitions.first?.errorCode
            == KafkaErrorCode.unknownTopicOrPartition.rawValue)
        let ack = try wire.acknowledge("g", "a", epoch: 2, topicId: ghost, Self.ack(0, 0))
        #expect(Self.acknowledgeCode(ack) == KafkaErrorCode.unknownTopicId.rawValue)
        // The broker still serves the member: the real partition is fetched.
        try wire.produce("work", count: 1)
        #expect(Self.acquired(try wire.fetch("g", "a", epoch: 3, topicId: topicId, partitions: [0])) == [0...0])
        // Its topic deleted, the session's partition is answered UNKNOWN_TOPIC_ID at once, not waited on.
        let dropped = try wire.connection.roundTrip(
            DeleteTopicsRequest(topicNames: ["work"], timeoutMs: 5000), version: 4, as: DeleteTopicsResponse.self)
        #expect(dropped.responses.first?.errorCode == 0)
        let started = ContinuousClock.now
        let afterDelete = try wire.connection.roundTrip(
            ShareFetchRequest(
                groupId: "g", memberId: "a", shareSessionEpoch: 4, maxWaitMs: 5000, minBytes: 1, maxBytes: 1 << 20,
                maxRecords: 10, batchSize: 10),
            version: 1, as: ShareFetchResponse.self)
        #expect(afterDelete.responses.first?.partitions.first?.errorCode == KafkaErrorCode.unknownTopicId.rawValue)
        #expect(ContinuousClock.now - started < .seconds(3))
        _ = try await broker.stop()
    }
}
