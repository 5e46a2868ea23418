import GRDB

/// Groups' config overrides (the GROUP config resource), durably. Thread-safe; a write is durable when it returns.
public protocol GroupConfigStore: Sendable {
    /// Every group's overrides, by group id, then key.
    ///
    /// - Returns: the stored overrides; groups without any are absent.
    /// - Throws: ``MetadataError`` `.storage`.
    func allGroupConfigs() async throws -> [String: [String: String]]

    /// Replaces a group's overrides with these (empty: the group has none any more).
    ///
    /// - Parameters:
    ///   - groupId: the group's id.
    ///   - configs: its overrides, by key.
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func setGroupConfigs(groupId: String, _ configs: [String: String]) async throws
    /// Deletes a share group's stored share-partition states and config overrides in one transaction
    /// (DeleteGroups): after a crash the group is either whole or gone.
    func deleteShareGroup(groupId: String) async throws
}

extension SQLiteMetadataStore: GroupConfigStore {
    /// Every group's overrides, by group id, then key.
    public func allGroupConfigs() async throws -> [String: [String: String]] {
        try await read { db in
            var result: [String: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT group_id, name, value FROM group_config") {
                let group: String = try row.decode(forColumn: "group_id")
                result[group, default: [:]][try row.decode(forColumn: "name")] = try row.decode(forColumn: "value")
            }
            return result
        }
    }

    public func deleteShareGroup(groupId: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM share_partition_state WHERE group_id = ?", arguments: [groupId])
            try db.execute(sql: "DELETE FROM group_config WHERE group_id = ?", arguments: [groupId])
        }
    }

    /// Replaces a group's overrides in one transaction.
    public func setGroupConfigs(groupId: String, _ configs: [String: String]) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM group_config WHERE group_id = ?", arguments: [groupId])
            for (name, value) in configs {
                try db.execute(
                    sql: "INSERT INTO group_config (group_id, name, value) VALUES (?, ?, ?)",
                    arguments: [groupId, name, value])
            }
        }
    }
}
