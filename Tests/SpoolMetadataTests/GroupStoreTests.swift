import Foundation
import Testing

@testable import SpoolMetadata

/// Committed offsets and groups in SQLite: durable commits, batching, topic deletion, expiry, restarts.
struct GroupStoreTests {
    @Test("committed offsets read back with metadata and time; unknown topics and partitions are refused")
    func commitAndRead() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "orders", partitionCount: 2)
            let outcomes = try await store.commitOffsets(groupId: "g", offsets: [
                CommittedOffset(topic: "orders", partition: 0, offset: 10, leaderEpoch: 3, metadata: "m",
                                commitTimestampMs: 5),
                CommittedOffset(topic: "orders", partition: 2, offset: 1, commitTimestampMs: 5),
                CommittedOffset(topic: "nope", partition: 0, offset: 1, commitTimestampMs: 5),
            ])
            #expect(outcomes == [.committed, .unknownTopicOrPartition, .unknownTopicOrPartition])
            _ = try await store.commitOffsets(groupId: "g", offsets: [
                CommittedOffset(topic: "orders", partition: 0, offset: 11, commitTimestampMs: 6)
            ])
            let offsets = try await store.committedOffsets(groupId: "g")
            #expect(offsets == [CommittedOffset(topic: "orders", partition: 0, offset: 11, commitTimestampMs: 6)])
            #expect(try await store.committedOffsets(groupId: "other").isEmpty)
        }
    }

    @Test("concurrent commits from many members all land (they share transactions)")
    func concurrentCommits() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 20)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for member in 0..<20 {
                    tasks.addTask {
                        for round in 1...25 {
                            let outcome = try await store.commitOffsets(groupId: "g", offsets: [
                                CommittedOffset(topic: "t", partition: Int32(member), offset: Int64(round),
                                                commitTimestampMs: 1)
                            ])
                            #expect(outcome == [.committed])
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            let offsets = try await store.committedOffsets(groupId: "g")
            #expect(offsets.count == 20)
            #expect(offsets.allSatisfy { $0.offset == 25 })
        }
    }

    @Test("deleting a topic deletes its committed offsets")
    func topicDeletionCascades() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "a", partitionCount: 1)
            _ = try await store.createTopic(name: "b", partitionCount: 1)
            _ = try await store.commitOffsets(groupId: "g", offsets: [
                CommittedOffset(topic: "a", partition: 0, offset: 1, commitTimestampMs: 1),
                CommittedOffset(topic: "b", partition: 0, offset: 2, commitTimestampMs: 1),
            ])
            _ = try await store.deleteTopic(named: "a")
            #expect(try await store.committedOffsets(groupId: "g").map(\.topic) == ["b"])
        }
    }

    @Test("groups and offsets survive reopening; groups with only offsets are listed too")
    func survivesRestart() async throws {
        try await withDataDirectory { directory in
            do {
                let store = try SQLiteMetadataStore(dataDirectory: directory)
                _ = try await store.createTopic(name: "t", partitionCount: 1)
                try await store.saveGroup(StoredGroup(
                    groupId: "joined", protocolType: "consumer", generationId: 7, protocolName: "range",
                    leaderId: "m-1", stateTimestampMs: 100))
                _ = try await store.commitOffsets(groupId: "simple", offsets: [
                    CommittedOffset(topic: "t", partition: 0, offset: 4, commitTimestampMs: 50)
                ])
                try store.close()
            }
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? store.close() }
            let groups = try await store.groups()
            #expect(groups.map(\.groupId) == ["joined", "simple"])
            #expect(groups.first?.generationId == 7)
            #expect(groups.last?.protocolType == nil)
            #expect(try await store.committedOffsets(groupId: "simple").first?.offset == 4)
        }
    }

    @Test("offset expiry removes old offsets of the given groups only; DeleteGroups removes everything")
    func expiryAndDeletion() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 2)
            _ = try await store.commitOffsets(groupId: "old", offsets: [
                CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestampMs: 10)
            ])
            _ = try await store.commitOffsets(groupId: "busy", offsets: [
                CommittedOffset(topic: "t", partition: 0, offset: 1, commitTimestampMs: 10)
            ])
            let emptied = try await store.expireOffsets(groupIds: ["old"], olderThan: 100)
            #expect(emptied == ["old"])
            #expect(try await store.committedOffsets(groupId: "old").isEmpty)
            #expect(try await store.committedOffsets(groupId: "busy").count == 1)
            try await store.deleteOffsets(groupId: "busy", partitions: [("t", 1)])
            #expect(try await store.committedOffsets(groupId: "busy").count == 1)
            try await store.deleteGroups(["busy"])
            #expect(try await store.groups().isEmpty)
        }
    }
}
