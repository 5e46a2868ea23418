import GRDB

extension SQLiteMetadataStore: AclMetadataStore {
    public func acls() async throws -> [StoredAcl] {
        try await acls(matching: StoredAclFilter())
    }

    public func acls(matching filter: StoredAclFilter) async throws -> [StoredAcl] {
        try await read { db in try Self.fetchAcls(db, filter) }
    }

    public func createAcls(_ acls: [StoredAcl]) async throws {
        try await write { db in
            for acl in acls {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO acl
                            (resource_type, resource_name, pattern_type, principal, host, operation, permission_type)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [acl.resourceType, acl.resourceName, acl.patternType, acl.principal, acl.host,
                                acl.operation, acl.permissionType])
            }
        }
    }

    public func deleteAcls(matching filters: [StoredAclFilter]) async throws -> [[StoredAcl]] {
        try await write { db in
            var deleted: [[StoredAcl]] = []
            for filter in filters {
                let matching = try Self.fetchAcls(db, filter)
                let (condition, arguments) = Self.whereClause(filter)
                try db.execute(sql: "DELETE FROM acl" + condition, arguments: arguments)
                deleted.append(matching)
            }
            return deleted
        }
    }

    /// ` WHERE a = ? AND b = ?` for the filter's fields (empty when it has none), with its arguments.
    private static func whereClause(_ filter: StoredAclFilter) -> (String, StatementArguments) {
        let set = StoredAcl.Field.allCases.compactMap { field in filter.values[field].map { (field.rawValue, $0) } }
        let sql = set.isEmpty ? "" : " WHERE " + set.map { "\($0.0) = ?" }.joined(separator: " AND ")
        return (sql, StatementArguments(set.map(\.1)))
    }

    private static func fetchAcls(_ db: Database, _ filter: StoredAclFilter) throws -> [StoredAcl] {
        let (condition, arguments) = whereClause(filter)
        return try Row.fetchAll(
            db,
            sql: "SELECT * FROM acl" + condition
                + " ORDER BY resource_type, resource_name, pattern_type, principal, host, operation, permission_type",
            arguments: arguments
        ).map { row in
            StoredAcl(
                resourceType: try row.decode(forColumn: "resource_type"),
                resourceName: try row.decode(forColumn: "resource_name"),
                patternType: try row.decode(forColumn: "pattern_type"), principal: try row.decode(forColumn: "principal"),
                host: try row.decode(forColumn: "host"), operation: try row.decode(forColumn: "operation"),
                permissionType: try row.decode(forColumn: "permission_type"))
        }
    }
}
