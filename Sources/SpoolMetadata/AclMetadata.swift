/// One ACL binding as the metadata store keeps it: a resource pattern and an access control entry, each field
/// spelled with Kafka's names (`TOPIC`, `orders`, `LITERAL`, `User:alice`, `*`, `READ`, `ALLOW`). What the names
/// mean is the authorizer's business; the store only keeps them.
public struct StoredAcl: Sendable, Hashable, Codable {
    /// The resource type: `TOPIC`, `GROUP`, `CLUSTER`, `TRANSACTIONAL_ID`, `DELEGATION_TOKEN` or `USER`.
    public var resourceType: String
    /// The resource name, or prefix for a `PREFIXED` pattern; `*` with `LITERAL` is every resource of the type.
    public var resourceName: String
    /// `LITERAL` or `PREFIXED`.
    public var patternType: String
    /// The principal, `Type:Name` (`User:*` is every user).
    public var principal: String
    /// The client host the entry applies to (`*` for every host).
    public var host: String
    /// The operation (`READ`, `WRITE`, `ALL`, …).
    public var operation: String
    /// `ALLOW` or `DENY`.
    public var permissionType: String

    /// A binding of these fields.
    public init(resourceType: String, resourceName: String, patternType: String, principal: String, host: String,
                operation: String, permissionType: String)
    {
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.patternType = patternType
        self.principal = principal
        self.host = host
        self.operation = operation
        self.permissionType = permissionType
    }
}

extension StoredAcl {
    /// A binding's fields, named as the `acl` table's columns.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case resourceType = "resource_type", resourceName = "resource_name", patternType = "pattern_type"
        case principal, host, operation, permissionType = "permission_type"
    }

    /// The value of one field.
    public subscript(field: Field) -> String {
        switch field {
        case .resourceType: resourceType
        case .resourceName: resourceName
        case .patternType: patternType
        case .principal: principal
        case .host: host
        case .operation: operation
        case .permissionType: permissionType
        }
    }
}

/// Which stored ACL bindings a list or delete applies to: each field given must equal the binding's; a field not
/// given matches any value.
public struct StoredAclFilter: Sendable, Hashable {
    /// The fields the filter fixes.
    public var values: [StoredAcl.Field: String]

    /// A filter fixing `values` (none: every binding).
    public init(_ values: [StoredAcl.Field: String] = [:]) {
        self.values = values
    }

    /// The filter that matches exactly `acl`.
    public init(exactly acl: StoredAcl) {
        self.init(Dictionary(uniqueKeysWithValues: StoredAcl.Field.allCases.map { ($0, acl[$0]) }))
    }

    /// Whether `acl` passes the filter.
    public func matches(_ acl: StoredAcl) -> Bool {
        values.allSatisfy { acl[$0.key] == $0.value }
    }
}

/// ACL bindings, durably (Kafka's CreateAcls, DescribeAcls, DeleteAcls). Thread-safe; a write is durable when it
/// returns.
public protocol AclMetadataStore: Sendable {
    /// Every stored binding, sorted by resource then entry.
    /// - Throws: ``MetadataError`` `.storage`.
    func acls() async throws -> [StoredAcl]

    /// The bindings that pass `filter`.
    /// - Parameter filter: which bindings to list.
    /// - Throws: ``MetadataError`` `.storage`.
    func acls(matching filter: StoredAclFilter) async throws -> [StoredAcl]

    /// Stores bindings in one transaction; a binding already stored stays as it was.
    /// - Parameter acls: the bindings to add.
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func createAcls(_ acls: [StoredAcl]) async throws

    /// Deletes the bindings that pass any of `filters`, in one transaction.
    /// - Parameter filters: which bindings to delete.
    /// - Returns: for each filter, the bindings it deleted (a binding two filters match is reported by the first).
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func deleteAcls(matching filters: [StoredAclFilter]) async throws -> [[StoredAcl]]
}
