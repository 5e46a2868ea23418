import Foundation
import GRDB
import Testing

@testable import SpoolMetadata

@Suite("Topics in SQLite")
struct TopicStoreTests {
    @Test("A created topic reads back equal by name, by ID and in the list")
    func createAndGet() async throws {
        try await withStore { store in
            let configs = ["retention.ms": "60000", "cleanup.policy": "delete", "segment.bytes": "1048576"]
            let before = Date()
            let created = try await store.createTopic(name: "orders", partitionCount: 3, configs: configs)
            #expect(created.name == "orders")
            #expect(created.partitionCount == 3)
            #expect(created.configs == configs)
            #expect(created.topicId != UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
            #expect(abs(created.createdAt.timeIntervalSince(before)) < 5)

            #expect(try await store.topic(named: "orders") == created)
            #expect(try await store.topic(id: created.topicId) == created)
            #expect(try await store.topics() == [created])
            #expect(try await store.topic(named: "missing") == nil)
            #expect(try await store.topic(id: UUID()) == nil)
        }
    }

    @Test("The list holds every topic with its own configs, sorted by name")
    func listSorted() async throws {
        try await withStore { store in
            let zebra = try await store.createTopic(name: "zebra", partitionCount: 1, configs: ["retention.ms": "1"])
            let alpha = try await store.createTopic(name: "alpha", partitionCount: 2)
            let middle = try await store.createTopic(name: "m.i-d_9", partitionCount: 4, configs: ["a": "b"])
            #expect(try await store.topics() == [alpha, middle, zebra])
            #expect(Set([alpha.topicId, middle.topicId, zebra.topicId]).count == 3)
        }
    }

    @Test("Creating a topic that exists is refused with the existing record, and changes nothing")
    func duplicateCreate() async throws {
        try await withStore { store in
            let first = try await store.createTopic(name: "orders", partitionCount: 3, configs: ["x": "1"])
            let error = await expectMetadataError(.topicAlreadyExists) {
                try await store.createTopic(name: "orders", partitionCount: 5)
            }
            #expect(error?.existingTopic == first)
            #expect(error?.code == .topicAlreadyExists)
            #expect(try await store.topics() == [first])
        }
    }

    @Test("Of 20 racing creates of one name (auto-creation from many connections), one wins, all see its ID")
    func racingCreates() async throws {
        try await withStore { store in
            let outcomes = await withTaskGroup(of: Result<TopicMetadata, MetadataError>.self) { group in
                for count in 1...20 {
                    group.addTask {
                        do {
                            return .success(try await store.createTopic(name: "auto", partitionCount: Int32(count)))
                        } catch let error as MetadataError {
                            return .failure(error)
                        } catch {
                            return .failure(.storage("unexpected \(error)"))
                        }
                    }
                }
                var all: [Result<TopicMetadata, MetadataError>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let winners = outcomes.compactMap { try? $0.get() }
            let losers = outcomes.compactMap { outcome -> MetadataError? in
                if case .failure(let error) = outcome { error } else { nil }
            }
            #expect(winners.count == 1)
            #expect(losers.count == 19)
            #expect(losers.allSatisfy { $0.code == .topicAlreadyExists && $0.existingTopic == winners.first })
            let stored = try await store.topics()
            #expect(stored == winners)
        }
    }

    @Test("A name that differs from an existing one only by '.' against '_' is refused, as Kafka does")
    func nameCollision() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "a.b", partitionCount: 1)
            let error = await expectMetadataError(.topicNameCollision) {
                try await store.createTopic(name: "a_b", partitionCount: 1)
            }
            #expect(error?.code == .topicNameCollision)
            #expect(error?.description.contains("\"a.b\"") == true)
        }
    }

    @Test(
        "Names that break Kafka's rules are refused",
        arguments: ["", ".", "..", String(repeating: "x", count: 250), "a b", "tópico", "a/b", "a\u{0}b", "a:b"])
    func invalidNames(name: String) async throws {
        try await withStore { store in
            let error = await expectMetadataError(.invalidTopicName) {
                try await store.createTopic(name: name, partitionCount: 1)
            }
            #expect(error?.code == .invalidTopicName)
            let topics = try await store.topics()
            #expect(topics.isEmpty)
        }
    }

    @Test("Legal names at the edges are accepted")
    func legalNames() throws {
        for name in [String(repeating: "x", count: 249), "a", "...", "_-.", "Az09._-"] {
            try TopicName.validate(name)
        }
    }

    @Test("A topic needs at least one partition", arguments: [Int32(0), -1, Int32.min])
    func invalidPartitionCountAtCreate(count: Int32) async throws {
        try await withStore { store in
            await expectMetadataError(.invalidPartitionCount) {
                try await store.createTopic(name: "t", partitionCount: count)
            }
        }
    }

    @Test("Deleting returns the record and removes the topic, its ID and its configs")
    func delete() async throws {
        try await withStore { store in
            let created = try await store.createTopic(name: "gone", partitionCount: 2, configs: ["retention.ms": "5"])
            let kept = try await store.createTopic(name: "kept", partitionCount: 1, configs: ["retention.ms": "7"])
            #expect(try await store.deleteTopic(named: "gone") == created)
            #expect(try await store.topic(named: "gone") == nil)
            #expect(try await store.topic(id: created.topicId) == nil)
            #expect(try await store.topics() == [kept])
            let configRows = try await store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM topic_config WHERE topic_name = 'gone'")
            }
            #expect(configRows == 0)

            // Created again, the topic is a new one: new ID, none of the old configs.
            let again = try await store.createTopic(name: "gone", partitionCount: 1)
            #expect(again.topicId != created.topicId)
            #expect(again.configs.isEmpty)
            await expectMetadataError(.unknownTopic) { try await store.deleteTopic(named: "never") }
        }
    }

    @Test("A deletion's intent is recorded with it, survives a reopen, and goes once completed")
    func deletionIntent() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            let first = try await store.createTopic(name: "first", partitionCount: 2)
            let second = try await store.createTopic(name: "second", partitionCount: 1)
            #expect(try await store.pendingTopicDeletions().isEmpty)
            _ = try await store.deleteTopic(named: "first")
            _ = try await store.deleteTopic(named: "second")
            try store.close()

            let reopened = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? reopened.close() }
            #expect(Set(try await reopened.pendingTopicDeletions()) == [first.topicId, second.topicId])
            try await reopened.completeTopicDeletions([first.topicId])
            #expect(try await reopened.pendingTopicDeletions() == [second.topicId])
        }
    }

    @Test("A failed CreatePartitions is reverted only while the count is still the one it set")
    func revertPartitionCount() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 2)
            _ = try await store.increasePartitionCount(topic: "t", to: 5)
            try await store.revertPartitionCount(topic: "t", from: 4, to: 2)
            #expect(try await store.topic(named: "t")?.partitionCount == 5)
            try await store.revertPartitionCount(topic: "t", from: 5, to: 2)
            #expect(try await store.topic(named: "t")?.partitionCount == 2)
        }
    }

    @Test("The partition count only grows")
    func partitions() async throws {
        try await withStore { store in
            _ = try await store.createTopic(name: "t", partitionCount: 3)
            let grown = try await store.increasePartitionCount(topic: "t", to: 8)
            #expect(grown.partitionCount == 8)
            #expect(try await store.topic(named: "t") == grown)
            for refused in [Int32(8), 7, 0, -3] {
                let error = await expectMetadataError(.invalidPartitionCount) {
                    try await store.increasePartitionCount(topic: "t", to: refused)
                }
                #expect(error?.code == .invalidPartitionCount)
            }
            #expect(try await store.topic(named: "t")?.partitionCount == 8)
            await expectMetadataError(.unknownTopic) { try await store.increasePartitionCount(topic: "u", to: 9) }
        }
    }

    @Test("A config update sets and removes keys in one step")
    func alterConfigs() async throws {
        try await withStore { store in
            _ = try await store.createTopic(
                name: "t", partitionCount: 1, configs: ["retention.ms": "1000", "segment.bytes": "4096", "x": "y"])
            let altered = try await store.alterTopicConfigs(
                topic: "t", set: ["retention.ms": "2000", "cleanup.policy": "compact"],
                remove: ["segment.bytes", "not.set"])
            #expect(altered.configs == ["retention.ms": "2000", "cleanup.policy": "compact", "x": "y"])
            #expect(try await store.topic(named: "t") == altered)
        }
    }

    @Test("A config update that names a key twice, or an unknown topic, changes nothing")
    func alterConfigsRefused() async throws {
        try await withStore { store in
            let created = try await store.createTopic(name: "t", partitionCount: 1, configs: ["a": "1"])
            let error = await expectMetadataError(.conflictingConfigUpdate) {
                try await store.alterTopicConfigs(topic: "t", set: ["a": "2", "b": "2"], remove: ["a", "c"])
            }
            #expect(error?.description.contains("sets and removes a;") == true)
            await expectMetadataError(.unknownTopic) {
                try await store.alterTopicConfigs(topic: "u", set: ["a": "2"], remove: [])
            }
            #expect(try await store.topic(named: "t") == created)
        }
    }

    @Test("Topic IDs avoid Kafka's reserved values and are 16 bytes on disk")
    func topicIds() async throws {
        for _ in 0..<10_000 {
            let bytes = TopicID.bytes(of: TopicID.random())
            #expect(bytes.count == 16)
            #expect(bytes.first.map { $0 >> 2 } != 62)
            #expect(TopicID.uuid(bytes: bytes).map(TopicID.bytes(of:)) == bytes)
        }
        let oneBytes = Data(repeating: 0, count: 15) + [1]
        #expect(TopicID.uuid(bytes: oneBytes).map { TopicID.bytes(of: $0) } == oneBytes)
        #expect(TopicID.uuid(bytes: Data([1, 2, 3])) == nil)
    }
}
