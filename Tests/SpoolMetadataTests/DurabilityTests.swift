import Foundation
import GRDB
import Testing

@testable import SpoolMetadata

@Suite("The metadata database on disk")
struct DurabilityTests {
    @Test("What one store wrote, a new store on the same file reads back, topic IDs included")
    func reopen() async throws {
        try await withDataDirectory { directory in
            let first = try SQLiteMetadataStore(dataDirectory: directory)
            _ = try await first.createTopic(name: "orders", partitionCount: 3, configs: ["retention.ms": "100"])
            _ = try await first.createTopic(name: "gone", partitionCount: 1)
            _ = try await first.createTopic(name: "events", partitionCount: 1)
            _ = try await first.increasePartitionCount(topic: "events", to: 6)
            _ = try await first.alterTopicConfigs(topic: "orders", set: ["cleanup.policy": "compact"], remove: [])
            _ = try await first.deleteTopic(named: "gone")
            let written = try await first.topics()
            try first.close()

            let second = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? second.close() }
            let read = try await second.topics()
            #expect(read == written)
            #expect(read.map(\.name) == ["events", "orders"])
            #expect(read.first?.partitionCount == 6)
            #expect(read.last?.configs == ["retention.ms": "100", "cleanup.policy": "compact"])
            for topic in written {
                #expect(try await second.topic(id: topic.topicId) == topic)
            }
        }
    }

    @Test("The database is one file in the data directory, in WAL mode, synchronous FULL, foreign keys on")
    // The writer connection is the one that commits, so it is the one whose settings make writes durable.
    func pragmas() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            defer { try? store.close() }
            _ = try await store.createTopic(name: "t", partitionCount: 1)
            #expect(store.path == directory + "/metadata.sqlite")
            #expect(FileManager.default.fileExists(atPath: directory + "/metadata.sqlite-wal"))
            let (journalMode, synchronous, foreignKeys) = try await store.pool.writeWithoutTransaction { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
                )
            }
            #expect(journalMode == "wal")
            #expect(synchronous == 2)  // FULL
            #expect(foreignKeys == 1)
        }
    }

    @Test("A missing data directory is created")
    func createsDirectory() async throws {
        try await withDataDirectory { directory in
            let nested = directory + "/a/b"
            let store = try SQLiteMetadataStore(dataDirectory: nested)
            defer { try? store.close() }
            _ = try await store.createTopic(name: "t", partitionCount: 1)
            #expect(FileManager.default.fileExists(atPath: nested + "/metadata.sqlite"))
        }
    }

    @Test("A file migrated by a newer Spool is refused rather than misread")
    func newerSchemaRefused() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            try await store.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            }
            try store.close()
            let error = await expectMetadataError(.storage) { try SQLiteMetadataStore(dataDirectory: directory) }
            #expect(error?.description.contains("newer version of Spool") == true)
        }
    }

    @Test("A file that is not a database is a storage error, not a crash")
    func notADatabase() async throws {
        try await withDataDirectory { directory in
            let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try garbage.write(to: URL(fileURLWithPath: directory + "/metadata.sqlite"))
            let error = await expectMetadataError(.storage) { try SQLiteMetadataStore(dataDirectory: directory) }
            #expect(error?.code == .storage)
        }
    }

    @Test("Calls after close fail with a storage error")
    func afterClose() async throws {
        try await withDataDirectory { directory in
            let store = try SQLiteMetadataStore(dataDirectory: directory)
            try store.close()
            await expectMetadataError(.storage) { try await store.topics() }
            await expectMetadataError(.storage) { try await store.allocateProducerId() }
        }
    }
}
