import SpoolMetadata
import SpoolProtocol

/// A DescribeAcls or DeleteAcls filter: ANY fields match everything, a nil name, principal or host matches any,
/// and a MATCH pattern type selects the bindings that would apply to a resource of exactly that name.
struct AclFilter: Sendable {
    var resourceType: AclResourceType
    var resourceName: String?
    var patternType: AclPatternType
    var principal: String?
    var host: String?
    var operation: AclOperation
    var permission: AclPermissionType

    /// Builds a filter from wire codes.
    /// - Throws: `BrokerError` INVALID_REQUEST for a code that is unknown or not usable in a filter.
    static func parsing(resourceType: Int8, resourceName: String?, patternType: Int8, principal: String?,
                        host: String?, operation: Int8, permission: Int8) throws(BrokerError) -> AclFilter
    {
        guard let type = AclResourceType.code(resourceType), type != .unknown,
              let pattern = AclPatternType.code(patternType), pattern != .unknown,
              let operationCase = AclOperation.code(operation), operationCase != .unknown,
              let permissionCase = AclPermissionType.code(permission), permissionCase != .unknown
        else { throw BrokerError(code: .invalidRequest, message: "the ACL filter has an unknown type code") }
        return AclFilter(resourceType: type, resourceName: resourceName, patternType: pattern, principal: principal,
                         host: host, operation: operationCase, permission: permissionCase)
    }

    /// Whether `binding` passes the filter.
    func matches(_ binding: AclBinding) -> Bool {
        guard resourceType == .any || resourceType == binding.resourceType,
              operation == .any || operation == binding.operation,
              permission == .any || permission == binding.permission,
              principal.map({ $0 == binding.principal }) ?? true, host.map({ $0 == binding.host }) ?? true
        else { return false }
        switch patternType {
        case .any: return resourceName.map { $0 == binding.resourceName } ?? true
        case .match:
            guard let resourceName else { return true }
            return binding.covers(AclResource(type: binding.resourceType, name: resourceName))
        default:
            return patternType == binding.patternType && (resourceName.map { $0 == binding.resourceName } ?? true)
        }
    }
}

extension AclBinding {
    /// Builds a binding from CreateAcls' wire codes.
    /// - Throws: `BrokerError` INVALID_REQUEST when a code is not one a binding may have (ANY, MATCH, UNKNOWN),
    ///   the principal is not `Type:Name`, or the name or host is empty.
    init(resourceType: Int8, resourceName: String, patternType: Int8, principal: String, host: String,
         operation: Int8, permission: Int8) throws(BrokerError)
    {
        func invalid(_ message: String) -> BrokerError { BrokerError(code: .invalidRequest, message: message) }
        guard let type = AclResourceType.code(resourceType), ![.unknown, .any].contains(type) else {
            throw invalid("an ACL needs a resource type (TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, ...)")
        }
        guard let pattern = AclPatternType.code(patternType), [.literal, .prefixed].contains(pattern) else {
            throw invalid("an ACL's pattern type is LITERAL or PREFIXED")
        }
        guard let operation = AclOperation.code(operation), ![.unknown, .any].contains(operation) else {
            throw invalid("an ACL needs an operation")
        }
        guard let permission = AclPermissionType.code(permission), [.allow, .deny].contains(permission) else {
            throw invalid("an ACL's permission type is ALLOW or DENY")
        }
        guard KafkaPrincipal(parsing: principal) != nil else { throw invalid("principal '\(principal)' is not Type:Name") }
        guard !resourceName.isEmpty, !host.isEmpty else { throw invalid("an ACL needs a resource name and a host") }
        guard type != .cluster || resourceName == AclResource.cluster.name else {
            throw invalid("the CLUSTER resource is named kafka-cluster")
        }
        self.init(resourceType: type, resourceName: resourceName, patternType: pattern, principal: principal,
                  host: host, operation: operation, permission: permission)
    }

    /// The binding as the metadata store keeps it, in Kafka's names.
    var stored: StoredAcl {
        StoredAcl(resourceType: resourceType.name, resourceName: resourceName, patternType: patternType.name,
                  principal: principal, host: host, operation: operation.name, permissionType: permission.name)
    }

    /// A stored binding read back; nil for a name this broker does not know.
    init?(stored: StoredAcl) {
        guard let type = AclResourceType.allCases.first(where: { $0.name == stored.resourceType }),
              let pattern = AclPatternType.allCases.first(where: { $0.name == stored.patternType }),
              let operation = AclOperation.allCases.first(where: { $0.name == stored.operation }),
              let permission = AclPermissionType.allCases.first(where: { $0.name == stored.permissionType })
        else { return nil }
        self.init(resourceType: type, resourceName: stored.resourceName, patternType: pattern,
                  principal: stored.principal, host: stored.host, operation: operation, permission: permission)
    }
}
