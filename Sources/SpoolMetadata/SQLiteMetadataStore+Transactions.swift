import Foundation
import GRDB

extension SQLiteMetadataStore: TransactionMetadataStore {
    public func transactions() async throws -> [StoredTransaction] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM txn_state ORDER BY transactional_id").map(Self.transaction)
        }
    }

    public func saveTransaction(_ transaction: StoredTransaction) async throws {
        try await write { db in try Self.upsert(db, transaction) }
    }

    public func saveTransactionWithNewProducerId(_ transaction: StoredTransaction) async throws
        -> StoredTransaction
    {
        let path = self.path
        return try await write { db in
            let allocated = try Int64.fetchOne(db, sql: """
                UPDATE producer_id_counter SET next_producer_id = next_producer_id + 1
                WHERE singleton = 0 RETURNING next_producer_id - 1
                """)
            guard let allocated else {
                throw MetadataError.storage("the producer id counter row is missing from \(path)")
            }
            var saved = transaction
            saved.previousProducerId = transaction.producerId
            saved.producerId = allocated
            saved.producerEpoch = 0
            try Self.upsert(db, saved)
            return saved
        }
    }

    public func completeTransaction(_ transaction: StoredTransaction, commitOffsets: Bool) async throws {
        try await write { db in
            if commitOffsets {
                var byGroup: [String: [CommittedOffset]] = [:]
                for pending in transaction.pendingOffsets {
                    byGroup[pending.groupId, default: []].append(pending.committed)
                }
                let entries = byGroup.sorted { $0.key < $1.key }.map {
                    OffsetCommitEntry(groupId: $0.key, offsets: $0.value)
                }
                _ = try Self.writeOffsetBatch(db, entries)
            }
            var completed = transaction
            completed.pendingOffsets = []
            try Self.upsert(db, completed)
        }
    }

    public func deleteTransaction(_ transactionalId: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM txn_state WHERE transactional_id = ?", arguments: [transactionalId])
        }
    }

    private static func upsert(_ db: Database, _ transaction: StoredTransaction) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let partitions = String(decoding: try encoder.encode(transaction.partitions.sorted()), as: UTF8.self)
        let groups = String(decoding: try encoder.encode(transaction.groups.sorted()), as: UTF8.self)
        let offsets = String(decoding: try encoder.encode(transaction.pendingOffsets), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO txn_state
                    (transactional_id, producer_id, producer_epoch, previous_producer_id, timeout_ms, state,
                     txn_start_ms, last_update_ms, partitions, groups, pending_offsets)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                transaction.transactionalId, transaction.producerId, transaction.producerEpoch,
                transaction.previousProducerId, transaction.timeoutMs, transaction.phase.rawValue,
                transaction.startMs, transaction.lastUpdateMs, partitions, groups, offsets,
            ])
    }

    private static func transaction(_ row: Row) throws -> StoredTransaction {
        let decoder = JSONDecoder()
        let stateName: String = try row.decode(forColumn: "state")
        guard let phase = TransactionPhase(rawValue: stateName) else {
            throw MetadataError.storage("unknown transaction state \(stateName) in txn_state")
        }
        func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
            let text: String = try row.decode(forColumn: column)
            return try decoder.decode(T.self, from: Data(text.utf8))
        }
        return StoredTransaction(
            transactionalId: try row.decode(forColumn: "transactional_id"),
            producerId: try row.decode(forColumn: "producer_id"),
            producerEpoch: try row.decode(forColumn: "producer_epoch"),
            previousProducerId: try row.decode(forColumn: "previous_producer_id"),
            timeoutMs: try row.decode(forColumn: "timeout_ms"), phase: phase,
            startMs: try row.decode(forColumn: "txn_start_ms"), lastUpdateMs: try row.decode(forColumn: "last_update_ms"),
            partitions: Set(try json("partitions", as: [TransactionPartition].self)),
            groups: Set(try json("groups", as: [String].self)),
            pendingOffsets: try json("pending_offsets", as: [PendingTransactionOffset].self))
    }
}
