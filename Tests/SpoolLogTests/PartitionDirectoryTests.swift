import Testing

@testable import SpoolLog

/// Start-up adoption by topic ID: the log manager loads only directories the metadata claims, finishes pending
/// deletions, and sets aside (never adopts, never deletes) directories bound to another topic or to none.
@Suite struct PartitionDirectoryTests {
    static func open(_ directory: TemporaryDirectory, claims: PartitionClaims?) async throws -> LogManager {
        let configuration = LogManagerConfiguration(dataDirectory: directory.path)
        guard let claims else { return try await LogManager.open(configuration: configuration, logger: testLogger) }
        return try await LogManager.open(configuration: configuration, logger: testLogger) { claims }
    }

    @Test("a created log's directory names its topic ID in partition.metadata")
    func bindsTopicId() async throws {
        let directory = TemporaryDirectory()
        let manager = try await Self.open(directory, claims: nil)
        let log = try await manager.getOrCreateLog(TopicPartition(topic: "bound", partition: 0), topicId: "id-1")
        #expect(PartitionDirectory.topicId(in: log.directory) == "id-1")
        try await manager.shutdown()
    }

    @Test("start-up adopts claimed directories, removes pending deletions and sets the rest aside as strays")
    func adoptsOnlyClaimed() async throws {
        let directory = TemporaryDirectory()
        let first = try await Self.open(directory, claims: nil)
        for (topic, id) in [("kept", "id-kept"), ("other", "id-old"), ("deleted", "id-gone")] {
            let log = try await first.getOrCreateLog(TopicPartition(topic: topic, partition: 0), topicId: id)
            _ = try await first.append(TestBatch.make(records: 2), to: log)
        }
        let unbound = try await first.getOrCreateLog(TopicPartition(topic: "unbound", partition: 0))
        _ = try await first.append(TestBatch.make(records: 1), to: unbound)
        try await first.shutdown()
        // A deletion cut short after its rename.
        try FileSystem.makeDirectory(directory.path + "/old-0.abc-delete")

        let claims = PartitionClaims(
            topicIds: [
                TopicPartition(topic: "kept", partition: 0): "id-kept",
                TopicPartition(topic: "other", partition: 0): "id-new",
            ],
            deletedTopicIds: ["id-gone"])
        let second = try await Self.open(directory, claims: claims)
        #expect(second.log(for: TopicPartition(topic: "kept", partition: 0))?.logEndOffset == 2)
        #expect(second.log(for: TopicPartition(topic: "other", partition: 0)) == nil)
        #expect(second.log(for: TopicPartition(topic: "deleted", partition: 0)) == nil)
        #expect(second.log(for: TopicPartition(topic: "unbound", partition: 0)) == nil)
        let names = Set(try FileSystem.list(directory.path))
        #expect(!names.contains("old-0.abc-delete"))
        #expect(!names.contains("deleted-0"))
        #expect(names.contains("other-0.idold-stray"))
        #expect(names.contains { $0.hasPrefix("unbound-0.unbound") && $0.hasSuffix("-stray") })
        // The new topic of the same name starts empty, in a directory of its own.
        let fresh = try await second.getOrCreateLog(TopicPartition(topic: "other", partition: 0), topicId: "id-new")
        #expect(fresh.logEndOffset == 0)
        try await second.shutdown()
    }

    @Test("a directory from before topic IDs were bound is adopted by the topic that claims it, and bound")
    func bindsLegacyDirectory() async throws {
        let directory = TemporaryDirectory()
        let first = try await Self.open(directory, claims: nil)
        let log = try await first.getOrCreateLog(TopicPartition(topic: "legacy", partition: 0))
        _ = try await first.append(TestBatch.make(records: 3), to: log)
        try await first.shutdown()
        let partition = TopicPartition(topic: "legacy", partition: 0)
        let second = try await Self.open(
            directory, claims: PartitionClaims(topicIds: [partition: "id-legacy"], deletedTopicIds: []))
        #expect(second.log(for: partition)?.logEndOffset == 3)
        #expect(PartitionDirectory.topicId(in: directory.path + "/legacy-0") == "id-legacy")
        try await second.shutdown()
    }

    @Test("deleteLogs renames every directory out of the namespace, open or not, and removes it")
    func deleteRenamesFirst() async throws {
        let directory = TemporaryDirectory()
        let manager = try await Self.open(directory, claims: nil)
        let partitions = (0..<3).map { TopicPartition(topic: "gone", partition: Int32($0)) }
        for partition in partitions { _ = try await manager.getOrCreateLog(partition, topicId: "x") }
        // A directory no open log owns (a creation cut short) goes too.
        try FileSystem.makeDirectory(directory.path + "/gone-3")
        try await manager.deleteLogs(partitions + [TopicPartition(topic: "gone", partition: 3)], tag: "x")
        #expect(try FileSystem.list(directory.path).filter { $0.hasPrefix("gone") }.isEmpty)
        try await manager.shutdown()
    }

    @Test("a name that would pass 255 bytes is cut so that the renamed directory can exist")
    func longNames() {
        let name = String(repeating: "t", count: 249) + "-12"
        let renamed = PartitionDirectory.renamed(name, tag: String(repeating: "a", count: 32), suffix: "-delete")
        #expect(renamed.utf8.count == 255)
        #expect(renamed.hasSuffix("." + String(repeating: "a", count: 32) + "-delete"))
        #expect(PartitionDirectory.kind(of: renamed) == .pendingDeletion)
    }
}

/// The open-file budget holds through a checkpoint: syncing an index whose descriptor an idle partition gave
/// back reopens the file for the sync only, so a pass over thousands of idle partitions does not reopen them all.
@Suite struct DescriptorBudgetTests {
    @Test("syncing a released index makes its entries durable and gives the descriptor back again")
    func syncOfReleasedIndexClosesAgain() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/00000000000000000000.index"
        let index = SparseIndex<OffsetIndexEntry>(path: path)
        try index.append(OffsetIndexEntry(relativeOffset: 3, position: 120))
        index.releaseFile()
        #expect(index.isDirty)
        try index.sync(close: false)
        #expect(!index.holdsDescriptor, "a sync must not keep a descriptor the index had given back")
        #expect(!index.isDirty)
        let reread = SparseIndex<OffsetIndexEntry>(path: path)
        #expect(try reread.load())
        #expect(reread.entries == [OffsetIndexEntry(relativeOffset: 3, position: 120)])
        // An index that holds its descriptor keeps it unless told to close.
        try index.append(OffsetIndexEntry(relativeOffset: 9, position: 480))
        try index.sync(close: false)
        #expect(index.holdsDescriptor)
    }
}
