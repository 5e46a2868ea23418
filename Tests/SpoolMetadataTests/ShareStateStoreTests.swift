import Foundation
import GRDB
import Testing

@testable import SpoolMetadata

/// A snapshot whose contents all follow from `generation`, so that a reader can tell a whole one from a torn one.
func generationSnapshot(group: String = "g", topic: String = "t", partition: Int32, generation: Int64)
    -> SharePartitionSnapshot
{
    let start = generation * 10
    return SharePartitionSnapshot(
        groupId: group, topic: topic, partition: partition, stateEpoch: Int32(truncatingIfNeeded: generation),
        startOffset: start,
        ranges: [
            .init(firstOffset: start, lastOffset: start + 2, state: .available, deliveryCount: 1),
            .init(firstOffset: start + 3, lastOffset: start + 3, state: .acknowledged, deliveryCount: 2),
            .init(firstOffset: start + 5, lastOffset: start + generation % 7 + 5, state: .archived, deliveryCount: 5),
        ])
}

@Suite("Share-partition state in the metadata database")
struct ShareStateStoreTests {
    @Test("Saved states load back by group and all together, replacing older saves, and survive reopening")
    func saveLoadReopen() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            _ = try await store.createTopic(name: "t", partitionCount: 2)
            _ = try await store.createTopic(name: "u", partitionCount: 1)
            let first = [0, 1].map { generationSnapshot(partition: $0, generation: 1) }
            #expect(try await store.saveShareStates(first) == [.saved, .saved])
            let newer = generationSnapshot(partition: 1, generation: 2)
            let other = generationSnapshot(group: "h", topic: "u", partition: 0, generation: 3)
            #expect(try await store.saveShareStates([newer, other]) == [.saved, .saved])
            #expect(try await store.shareStates(groupId: "g") == [first[0], newer])
            try store.close()

            let reopened = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? reopened.close() }
            #expect(try await reopened.allShareStates() == [first[0], newer, other])
        }
    }

    @Test("Unknown topics and partitions are not written; the rest of the call is")
    func unknownTopic() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 1)
            let outcomes = try await store.saveShareStates([
                generationSnapshot(partition: 0, generation: 1), generationSnapshot(partition: 1, generation: 1),
                generationSnapshot(topic: "nope", partition: 0, generation: 1),
            ])
            #expect(outcomes == [.saved, .unknownTopicOrPartition, .unknownTopicOrPartition])
            #expect(try await store.allShareStates().count == 1)
        }
    }

    @Test("Deleting by group, by group and topic, and deleting the topic, removes the states")
    func deletion() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 1)
            _ = try await store.createTopic(name: "u", partitionCount: 1)
            _ = try await store.saveShareStates([
                generationSnapshot(partition: 0, generation: 1),
                generationSnapshot(topic: "u", partition: 0, generation: 1),
                generationSnapshot(group: "h", partition: 0, generation: 1),
            ])
            try await store.deleteShareStates(groupId: "g", topic: "u")
            #expect(try await store.shareStates(groupId: "g").map(\.topic) == ["t"])
            _ = try await store.deleteTopic(named: "t")
            #expect(try await store.allShareStates().isEmpty)
            _ = try await store.saveShareStates([generationSnapshot(topic: "u", partition: 0, generation: 2)])
            // Through the protocol the broker holds.
            let shareStore: any ShareStateStore = store
            try await shareStore.deleteShareStates(groupId: "g", topic: nil)
            #expect(try await shareStore.allShareStates().isEmpty)
        }
    }

    @Test("A row whose ranges have an unknown encoding version is refused with a storage error, not misread")
    func unknownEncoding() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 1)
            _ = try await store.saveShareStates([generationSnapshot(partition: 0, generation: 1)])
            try await store.write { db in
                try db.execute(sql: "UPDATE share_partition_state SET ranges = x'09'")
            }
            await expectMetadataError(.storage) { try await store.allShareStates() }
        }
    }

    @Test("Concurrent saves share transactions and all land: 8 savers × 50 saves")
    func concurrentSaves() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 8)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for partition in 0..<8 {
                    group.addTask {
                        for generation in 1...50 {
                            let saved = try await store.saveShareStates([
                                generationSnapshot(partition: Int32(partition), generation: Int64(generation))
                            ])
                            #expect(saved == [.saved])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let loaded = try await store.allShareStates()
            #expect(loaded == (0..<8).map { generationSnapshot(partition: Int32($0), generation: 50) })
        }
    }
}
