import SpoolProtocol

/// Kafka's ACL vocabulary with its wire codes (the `Int8`s of CreateAcls, DescribeAcls and DeleteAcls) and names
/// (what kafka-acls.sh prints and the metadata store keeps). `unknown` and `any` exist only in filters.

/// What an ACL protects.
enum AclResourceType: Int8, Sendable, CaseIterable {
    case unknown = 0, any = 1, topic = 2, group = 3, cluster = 4, transactionalId = 5, delegationToken = 6, user = 7

    var name: String {
        switch self {
        case .unknown: "UNKNOWN"
        case .any: "ANY"
        case .topic: "TOPIC"
        case .group: "GROUP"
        case .cluster: "CLUSTER"
        case .transactionalId: "TRANSACTIONAL_ID"
        case .delegationToken: "DELEGATION_TOKEN"
        case .user: "USER"
        }
    }

    /// The error a denial of this resource answers.
    var authorizationFailure: KafkaErrorCode {
        switch self {
        case .group: .groupAuthorizationFailed
        case .cluster: .clusterAuthorizationFailed
        case .transactionalId: .transactionalIdAuthorizationFailed
        case .delegationToken: .delegationTokenAuthorizationFailed
        default: .topicAuthorizationFailed
        }
    }
}

/// How an ACL's resource name matches resources.
enum AclPatternType: Int8, Sendable, CaseIterable {
    /// Filters only: any pattern type.
    case unknown = 0, any = 1
    /// Filters only: the patterns that would apply to a resource of that exact name (literal, `*`, prefixes).
    case match = 2
    /// The name is the resource's name, or `*` for every resource of the type.
    case literal = 3
    /// The name is a prefix of the resource's name.
    case prefixed = 4

    var name: String {
        switch self {
        case .unknown: "UNKNOWN"
        case .any: "ANY"
        case .match: "MATCH"
        case .literal: "LITERAL"
        case .prefixed: "PREFIXED"
        }
    }
}

/// What a request does to a resource.
enum AclOperation: Int8, Sendable, CaseIterable {
    case unknown = 0, any = 1, all = 2, read = 3, write = 4, create = 5, delete = 6, alter = 7, describe = 8
    case clusterAction = 9, describeConfigs = 10, alterConfigs = 11, idempotentWrite = 12, createTokens = 13
    case describeTokens = 14, twoPhaseCommit = 15

    var name: String {
        switch self {
        case .unknown: "UNKNOWN"
        case .any: "ANY"
        case .all: "ALL"
        case .read: "READ"
        case .write: "WRITE"
        case .create: "CREATE"
        case .delete: "DELETE"
        case .alter: "ALTER"
        case .describe: "DESCRIBE"
        case .clusterAction: "CLUSTER_ACTION"
        case .describeConfigs: "DESCRIBE_CONFIGS"
        case .alterConfigs: "ALTER_CONFIGS"
        case .idempotentWrite: "IDEMPOTENT_WRITE"
        case .createTokens: "CREATE_TOKENS"
        case .describeTokens: "DESCRIBE_TOKENS"
        case .twoPhaseCommit: "TWO_PHASE_COMMIT"
        }
    }

    /// The operations an ALLOW of which also allows this one: itself and ALL, and for DESCRIBE anything that
    /// reads or changes the resource, for DESCRIBE_CONFIGS ALTER_CONFIGS (Kafka's implied operations). A DENY
    /// denies only itself and ALL.
    var allowedBy: Set<AclOperation> {
        switch self {
        case .describe: [.describe, .all, .read, .write, .delete, .alter]
        case .describeConfigs: [.describeConfigs, .all, .alterConfigs]
        default: [self, .all]
        }
    }
}

/// Whether an entry allows or denies.
enum AclPermissionType: Int8, Sendable, CaseIterable {
    case unknown = 0, any = 1, deny = 2, allow = 3

    var name: String {
        switch self {
        case .unknown: "UNKNOWN"
        case .any: "ANY"
        case .deny: "DENY"
        case .allow: "ALLOW"
        }
    }
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == Int8 {
    /// The case of a wire code; `unknown` (0) for a code this broker does not know.
    static func code(_ code: Int8) -> Self? { allCases.first { $0.rawValue == code } }
}

/// A resource a request touches: what the authorizer is asked about.
struct AclResource: Hashable, Sendable, CustomStringConvertible {
    let type: AclResourceType
    let name: String

    static func topic(_ name: String) -> Self { Self(type: .topic, name: name) }
    static func group(_ name: String) -> Self { Self(type: .group, name: name) }
    static func transactionalId(_ name: String) -> Self { Self(type: .transactionalId, name: name) }
    /// The one cluster resource; Kafka names it `kafka-cluster`.
    static let cluster = Self(type: .cluster, name: "kafka-cluster")

    var description: String { "\(type.name):\(name)" }
}

/// One ACL: a resource pattern and an entry saying who may (or may not) do what from where.
struct AclBinding: Hashable, Sendable {
    var resourceType: AclResourceType
    var resourceName: String
    /// LITERAL or PREFIXED.
    var patternType: AclPatternType
    /// `Type:Name`; `User:*` is every user.
    var principal: String
    /// A client IP address, or `*` for any.
    var host: String
    var operation: AclOperation
    /// ALLOW or DENY.
    var permission: AclPermissionType

    /// Whether the binding's pattern covers `resource` (its type, and its name literally, by `*` or by prefix).
    func covers(_ resource: AclResource) -> Bool {
        guard resourceType == resource.type else { return false }
        return switch patternType {
        case .literal: resourceName == resource.name || resourceName == "*"
        case .prefixed: resource.name.hasPrefix(resourceName)
        default: false
        }
    }

    /// Whether the entry applies to `principal` connecting from `host` (an IP address without `/`).
    func applies(to principal: KafkaPrincipal, host: String) -> Bool {
        (self.host == "*" || self.host == host)
            && (self.principal == principal.description || self.principal == "\(principal.type):*")
    }
}
