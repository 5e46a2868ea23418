import SpoolProtocol

extension Admin {
    /// One ACL binding, every field in Kafka's names (what kafka-acls.sh prints): who (`principal`, `host`) may or
    /// may not (`permission`) do what (`operation`) to which resources (`resourceType`, `resourceName`,
    /// `patternType`).
    public struct AclBinding: Sendable, Hashable, Codable {
        /// TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, DELEGATION_TOKEN or USER.
        public var resourceType: String
        /// The resource name, or prefix with PREFIXED; `*` with LITERAL is every resource of the type.
        public var resourceName: String
        /// LITERAL or PREFIXED.
        public var patternType: String
        /// `User:NAME`, or `User:*` for every user.
        public var principal: String
        /// The client's IP address, or `*`.
        public var host: String
        /// READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, ALL, ... (see ``aclOperations``).
        public var operation: String
        /// ALLOW or DENY.
        public var permission: String

        /// A binding of these fields.
        public init(resourceType: String, resourceName: String, patternType: String = "LITERAL", principal: String,
                    host: String = "*", operation: String, permission: String = "ALLOW")
        {
            self.resourceType = resourceType
            self.resourceName = resourceName
            self.patternType = patternType
            self.principal = principal
            self.host = host
            self.operation = operation
            self.permission = permission
        }
    }

    /// Which bindings ``describeAcls(_:)`` lists and ``deleteAcls(_:)`` deletes: ANY and nil match everything, and
    /// the pattern type MATCH selects every binding that applies to a resource of exactly `resourceName`.
    public struct AclBindingFilter: Sendable, Hashable {
        /// A resource type, or ANY.
        public var resourceType = "ANY"
        /// A resource name (with MATCH: the resource the bindings must apply to), or nil for any.
        public var resourceName: String?
        /// LITERAL, PREFIXED, MATCH or ANY.
        public var patternType = "ANY"
        /// A principal (`User:alice`), or nil for any.
        public var principal: String?
        /// A host, or nil for any.
        public var host: String?
        /// An operation, or ANY.
        public var operation = "ANY"
        /// ALLOW, DENY or ANY.
        public var permission = "ANY"

        /// The filter that matches every binding; set fields to narrow it.
        public init() {}
    }

    /// Kafka's resource type names, at their wire codes.
    public static let aclResourceTypes = [
        "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER",
    ]
    /// Kafka's pattern type names, at their wire codes.
    public static let aclPatternTypes = ["UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"]
    /// Kafka's operation names, at their wire codes.
    public static let aclOperations = [
        "UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION",
        "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS", "DESCRIBE_TOKENS", "TWO_PHASE_COMMIT",
    ]
    /// Kafka's permission type names, at their wire codes.
    public static let aclPermissionTypes = ["UNKNOWN", "ANY", "DENY", "ALLOW"]

    /// Stores ACL bindings (CreateAcls); needs ALTER on the cluster.
    /// - Parameter bindings: the bindings.
    /// - Throws: `SpoolClientError.invalidArgument` for a name Kafka does not have; `SpoolClientError.kafka` with
    ///   the first refused binding's error (SECURITY_DISABLED, CLUSTER_AUTHORIZATION_FAILED, INVALID_REQUEST, ...).
    public func createAcls(_ bindings: [AclBinding]) async throws(SpoolClientError) {
        var creations: [CreateAclsRequest.AclCreation] = []
        for binding in bindings {
            creations.append(.init(
                resourceType: try Self.code(binding.resourceType, in: Self.aclResourceTypes, "resource type"),
                resourceName: binding.resourceName,
                resourcePatternType: try Self.code(binding.patternType, in: Self.aclPatternTypes, "pattern type"),
                principal: binding.principal, host: binding.host,
                operation: try Self.code(binding.operation, in: Self.aclOperations, "operation"),
                permissionType: try Self.code(binding.permission, in: Self.aclPermissionTypes, "permission type")))
        }
        let response = try await client.send(maximumVersion: 3, as: CreateAclsResponse.self) { _ in
            CreateAclsRequest(creations: creations)
        }
        if let failed = response.results.first(where: { $0.errorCode != 0 }) {
            throw .kafka(KafkaErrorCode(failed.errorCode), "create ACLs", message: failed.errorMessage)
        }
    }

    /// The bindings `filter` matches (DescribeAcls); needs DESCRIBE on the cluster.
    /// - Throws: `SpoolClientError.invalidArgument` for a name Kafka does not have; `SpoolClientError.kafka` when
    ///   the broker refuses.
    public func describeAcls(_ filter: AclBindingFilter = AclBindingFilter()) async throws(SpoolClientError)
        -> [AclBinding]
    {
        let codes = try Self.codes(filter)
        let response = try await client.send(maximumVersion: 3, as: DescribeAclsResponse.self) { _ in
            DescribeAclsRequest(
                resourceTypeFilter: codes.type, resourceNameFilter: filter.resourceName,
                patternTypeFilter: codes.pattern,
                principalFilter: filter.principal, hostFilter: filter.host, operation: codes.operation,
                permissionType: codes.permission)
        }
        guard response.errorCode == 0 else {
            throw .kafka(KafkaErrorCode(response.errorCode), "describe ACLs", message: response.errorMessage)
        }
        return response.resources.flatMap { resource in
            resource.acls.map { acl in
                AclBinding(
                    resourceType: Self.name(resource.resourceType, in: Self.aclResourceTypes),
                    resourceName: resource.resourceName,
                    patternType: Self.name(resource.patternType, in: Self.aclPatternTypes), principal: acl.principal,
                    host: acl.host, operation: Self.name(acl.operation, in: Self.aclOperations),
                    permission: Self.name(acl.permissionType, in: Self.aclPermissionTypes))
            }
        }
    }

    /// Deletes the bindings the filters match (DeleteAcls); needs ALTER on the cluster.
    /// - Returns: the bindings deleted.
    /// - Throws: as ``describeAcls(_:)``.
    public func deleteAcls(_ filters: [AclBindingFilter]) async throws(SpoolClientError) -> [AclBinding] {
        var wire: [DeleteAclsRequest.DeleteAclsFilter] = []
        for filter in filters {
            let codes = try Self.codes(filter)
            wire.append(.init(
                resourceTypeFilter: codes.type, resourceNameFilter: filter.resourceName,
                patternTypeFilter: codes.pattern, principalFilter: filter.principal, hostFilter: filter.host,
                operation: codes.operation, permissionType: codes.permission))
        }
        let response = try await client.send(maximumVersion: 3, as: DeleteAclsResponse.self) { _ in
            DeleteAclsRequest(filters: wire)
        }
        if let failed = response.filterResults.first(where: { $0.errorCode != 0 }) {
            throw .kafka(KafkaErrorCode(failed.errorCode), "delete ACLs", message: failed.errorMessage)
        }
        return response.filterResults.flatMap(\.matchingAcls).map { acl in
            AclBinding(
                resourceType: Self.name(acl.resourceType, in: Self.aclResourceTypes), resourceName: acl.resourceName,
                patternType: Self.name(acl.patternType, in: Self.aclPatternTypes), principal: acl.principal,
                host: acl.host, operation: Self.name(acl.operation, in: Self.aclOperations),
                permission: Self.name(acl.permissionType, in: Self.aclPermissionTypes))
        }
    }

    private static func codes(_ filter: AclBindingFilter) throws(SpoolClientError)
        -> (type: Int8, pattern: Int8, operation: Int8, permission: Int8)
    {
        (try code(filter.resourceType, in: aclResourceTypes, "resource type"),
         try code(filter.patternType, in: aclPatternTypes, "pattern type"),
         try code(filter.operation, in: aclOperations, "operation"),
         try code(filter.permission, in: aclPermissionTypes, "permission type"))
    }

    /// The wire code of a name in any case (`read`, `Read`, `READ`; `-` and `_` alike).
    private static func code(_ name: String, in names: [String], _ what: String) throws(SpoolClientError) -> Int8 {
        let wanted = String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        guard let index = names.firstIndex(of: wanted), index > 0 else {
            let known = names.dropFirst().joined(separator: ", ")
            throw .invalidArgument("unknown ACL \(what) '\(name)': use one of \(known)")
        }
        return Int8(index)
    }

    private static func name(_ code: Int8, in names: [String]) -> String {
        names.indices.contains(Int(code)) ? names[Int(code)] : "UNKNOWN"
    }
}
