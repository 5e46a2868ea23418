import Foundation
import NIOCore
import SpoolProtocol
import SpoolTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The share group admin APIs (DescribeShareGroupOffsets, AlterShareGroupOffsets, DeleteShareGroupOffsets) and
/// Spool's per-partition counts, against the real `spool serve`, with restarts and a SIGKILL on the same data.
@Suite struct ShareOffsetsTests {
    static let accept: Int8 = 1
    static let reject: Int8 = 3

    static func start(_ dataDirectory: String, _ settings: [String] = []) async throws
        -> (RunningBroker, ShareWire)
    {
        let arguments = (["group.share.auto.offset.reset=earliest"] + settings).flatMap { ["--set", $0] }
        let broker = try await RunningBroker(dataDirectory: dataDirectory, extraArguments: arguments)
        return (broker, ShareWire(connection: try BlockingKafkaConnection(port: broker.port)))
    }

    static func createTopic(_ wire: ShareWire, _ name: String, partitions: Int32 = 1) throws -> KafkaUUID {
        let created = try wire.connection.roundTrip(
            CreateTopicsRequest(topics: [.init(name: name, numPartitions: partitions, replicationFactor: 1)]),
            version: 7, as: CreateTopicsResponse.self)
        #expect(created.topics.first?.errorCode == 0)
        return created.topics.first?.topicId ?? .zero
    }

    static func heartbeat(_ wire: ShareWire, _ group: String, _ member: String, epoch: Int32, topics: [String]?)
        throws -> ShareGroupHeartbeatResponse
    {
        try wire.connection.roundTrip(
            ShareGroupHeartbeatRequest(
                groupId: group, memberId: member, memberEpoch: epoch, subscribedTopicNames: topics),
            version: 1, as: ShareGroupHeartbeatResponse.self)
    }

    @Test("offsets and counts are described; alter needs an empty group; alter and delete survive a restart")
    func describeAlterDelete() async throws {
        let data = temporaryDataDirectory()
        var (broker, wire) = try await Self.start(data)
        let topicId = try Self.createTopic(wire, "jobs")
        try wire.produce("jobs", count: 10)
        let joined = try Self.heartbeat(wire, "q", "m1", epoch: 0, topics: ["jobs"])
        #expect(joined.errorCode == 0)

        let fetched = try wire.fetch("q", "m1", epoch: 0, topicId: topicId, maxRecords: 4)
        #expect(fetched.errorCode == 0)
        #expect(fetched.responses.first?.partitions.first?.acquiredRecords.map(\.lastOffset) == [3])
        let acked = try wire.acknowledge("q", "m1", epoch: 1, topicId: topicId, [
            .init(firstOffset: 0, lastOffset: 1, acknowledgeTypes: [Self.accept]),
            .init(firstOffset: 2, lastOffset: 2, acknowledgeTypes: [Self.reject]),
        ])
        #expect(acked.errorCode == 0 && acked.responses.first?.partitions.first?.errorCode == 0)

        // 0 and 1 accepted, 2 rejected: the start offset is 3, which is held; 4...9 are available.
        let described = try wire.offsets("q")
        let entry = try #require(described["jobs/0"])
        #expect(entry.start == 3)
        let stats = try #require(entry.stats, "Spool's tagged field is missing")
        #expect(stats.acquired == 1 && stats.available == 6 && stats.firstAvailableOffset == 4, "\(stats)")
        #expect(stats.deadLettered == 1 && stats.logEndOffset == 10, "\(stats)")
        #expect((0..<60_000).contains(stats.oldestAvailableAgeMs), "\(stats)")
        // Partitions asked for by name: one the group never fetched, and a topic that does not exist, are -1.
        let asked = try wire.offsets("q", topics: ["jobs": [0], "nope": [0]])
        #expect(asked["jobs/0"]?.start == 3 && asked["nope/0"]?.start == -1)

        // A member holds records: the offsets may not change.
        let refused = try wire.alter("q", "jobs", [0: 8])
        #expect(refused.errorCode == KafkaErrorCode.nonEmptyGroup.rawValue, "\(refused)")
        #expect(try wire.deleteOffsets("q", ["jobs"]).errorCode == KafkaErrorCode.nonEmptyGroup.rawValue)
        #expect(try Self.heartbeat(wire, "q", "m1", epoch: -1, topics: nil).errorCode == 0)

        let altered = try wire.alter("q", "jobs", [0: 8, 5: 1])
        #expect(altered.errorCode == 0)
        let codes = altered.responses.first?.partitions.map { "\($0.partitionIndex):\($0.errorCode)" }
        #expect(codes == ["0:0", "5:\(KafkaErrorCode.unknownTopicOrPartition.rawValue)"])
        let negative = try wire.alter("q", "jobs", [0: -5])
        #expect(negative.responses.first?.partitions.first?.errorCode == KafkaErrorCode.invalidRequest.rawValue)
        let after = try #require(try wire.offsets("q")["jobs/0"])
        #expect(after.start == 8 && after.stats?.acquired == 0 && after.stats?.available == 2, "\(after)")

        // The new start offset is in SQLite: a restart finds it, and the next fetch starts there.
        _ = try await broker.stop()
        (broker, wire) = try await Self.start(data)
        #expect(try wire.offsets("q")["jobs/0"]?.start == 8)
        let again = try wire.fetch("q", "m2", epoch: 0, topicId: topicId)
        #expect(again.responses.first?.partitions.first?.acquiredRecords.first?.firstOffset == 8)
        _ = try wire.fetch("q", "m2", epoch: -1, topicId: topicId)

        // Delete: the share-partition is gone, in memory and (after a restart) in SQLite.
        let deleted = try wire.deleteOffsets("q", ["jobs", "nope"])
        #expect(deleted.errorCode == 0)
        #expect(deleted.responses.map(\.errorCode) == [0, KafkaErrorCode.unknownTopicOrPartition.rawValue])
        // The group itself stays (as in Kafka, deleting offsets does not delete the group), with no state left.
        #expect(try wire.describeOffsets("q").errorCode == 0)
        #expect((try wire.offsets("q")["jobs/0"]?.start ?? -1) == -1)
        _ = try await broker.stop()
        (broker, wire) = try await Self.start(data)
        // Membership is not kept across a restart: with no state either, the group is not restored.
        let gone = try wire.describeOffsets("q")
        #expect(gone.errorCode == KafkaErrorCode.groupIdNotFound.rawValue, "\(gone)")
        #expect(try wire.alter("nobody", "jobs", [0: 1]).errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        _ = try await broker.stop()
    }

    @Test("DeleteGroups of an empty share group deletes its share-partitions, also after a restart")
    func deleteGroupsDeletesState() async throws {
        let data = temporaryDataDirectory()
        var (broker, wire) = try await Self.start(data)
        let topicId = try Self.createTopic(wire, "jobs")
        try wire.produce("jobs", count: 3)
        _ = try wire.fetch("q", "m", epoch: 0, topicId: topicId)
        _ = try wire.fetch("q", "m", epoch: -1, topicId: topicId)
        #expect(try wire.alter("q", "jobs", [0: 0]).errorCode == 0)  // saved before it is answered
        _ = try await broker.stop()
        // After a restart the group is known only by its saved share-partitions: still deletable.
        (broker, wire) = try await Self.start(data)
        #expect(try wire.offsets("q")["jobs/0"]?.start == 0)
        let deleted = try wire.connection.roundTrip(
            DeleteGroupsRequest(groupsNames: ["q"]), version: 2, as: DeleteGroupsResponse.self)
        #expect(deleted.results.first?.errorCode == 0, "\(deleted)")
        #expect(try wire.describeOffsets("q").errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        _ = try await broker.stop()
        (broker, wire) = try await Self.start(data)
        #expect(try wire.describeOffsets("q").errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        _ = try await broker.stop()
    }

    @Test("an alteration or deletion of 8 share-partitions cut by SIGKILL leaves all 8 old or all 8 new")
    func alterIsAllOrNothing() async throws {
        let data = temporaryDataDirectory()
        var (broker, wire) = try await Self.start(data)
        let topicId = try Self.createTopic(wire, "eight", partitions: 8)
        // The group gets saved state (and so exists after restarts): a fetch creates its share-partitions, an
        // alteration that is answered saves them.
        _ = try wire.fetch("g", "m", epoch: 0, topicId: topicId, partitions: Array(0..<8))
        _ = try wire.fetch("g", "m", epoch: -1, topicId: topicId)
        let zero = Dictionary(uniqueKeysWithValues: (Int32(0)..<8).map { ($0, Int64(0)) })
        #expect(try wire.alter("g", "eight", zero).errorCode == 0)
        var previous: Int64 = 0
        for round in 1...4 {
            let target = Int64(round * 100)
            let request = AlterShareGroupOffsetsRequest(groupId: "g", topics: [.init(
                topicName: "eight", partitions: (Int32(0)..<8).map { .init(partitionIndex: $0, startOffset: target) })])
            var buffer = ByteBuffer()
            try KafkaCodec.encodeRequest(request, version: 0, correlationId: 1, clientId: "crash", into: &buffer)
            wire.connection.send(Array(buffer.readableBytesView))
            // Kill at a different moment each round: before, during or after the transaction.
            try await Task.sleep(for: .microseconds(round * 700))
            kill(broker.process.processIdentifier, SIGKILL)
            _ = try await broker.process.waitForExit()
            (broker, wire) = try await Self.start(data)
            let starts = Set(try wire.offsets("g").values.map { $0.start })
            #expect(starts.count == 1, "round \(round): start offsets \(starts)")
            let start = try #require(starts.first)
            #expect(start == previous || start == target, "round \(round): \(start)")
            previous = start
        }
        // A deletion of the 8 share-partitions cut by SIGKILL: all 8 remain, or none.
        for delayMicroseconds in [300, 1500, 3000] {
            var buffer = ByteBuffer()
            try KafkaCodec.encodeRequest(
                DeleteShareGroupOffsetsRequest(groupId: "g", topics: [.init(topicName: "eight")]), version: 0,
                correlationId: 1, clientId: "crash", into: &buffer)
            wire.connection.send(Array(buffer.readableBytesView))
            try await Task.sleep(for: .microseconds(delayMicroseconds))
            kill(broker.process.processIdentifier, SIGKILL)
            _ = try await broker.process.waitForExit()
            (broker, wire) = try await Self.start(data)
            let remaining = try wire.offsets("g").count
            #expect(remaining == 8 || remaining == 0, "after \(delayMicroseconds) µs: \(remaining) share-partitions")
            if remaining == 0 { break }
        }
        _ = try await broker.stop()
    }
}
