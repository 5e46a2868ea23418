import Logging
import SpoolProtocol

/// CreateAcls (30): stores new ACL bindings. Needs ALTER on the cluster; each binding gets its own result.
/// With no authorizer configured every binding answers SECURITY_DISABLED, as Kafka does.
struct CreateAclsHandler: KafkaResponseHandler {
    // v1 added pattern types, v2 is flexible; v1-3 are what librdkafka 2.x and Kafka 4 clients send.
    static let versions: ClosedRange<Int16> = 1...3

    let authorizer: Authorizer?
    let logger: Logger

    func respond(_ request: CreateAclsRequest, context: RequestContext) async -> CreateAclsResponse {
        let results: [Result<AclBinding, BrokerError>] = request.creations.map { creation in
            Result { () throws(BrokerError) in
                try AclHandlerSupport.check(authorizer, .alter, context: context)
                return try AclBinding(
                    resourceType: creation.resourceType, resourceName: creation.resourceName,
                    patternType: creation.resourcePatternType, principal: creation.principal, host: creation.host,
                    operation: creation.operation, permission: creation.permissionType)
            }
        }
        var failure: BrokerError?
        let valid = results.compactMap { try? $0.get() }
        if let authorizer, !valid.isEmpty {
            do {
                try await authorizer.create(valid)
                logger.notice("ACLs created", metadata: [
                    "principal": "\(context.session.principal)", "count": "\(valid.count)"])
            } catch {
                failure = BrokerError(wrapping: error)
            }
        }
        return CreateAclsResponse(results: results.map { result in
            switch (result, failure) {
            case (.failure(let error), _), (.success, let error?):
                .init(errorCode: error.code.rawValue, errorMessage: error.message)
            case (.success, nil): .init(errorCode: 0, errorMessage: nil)
            }
        })
    }
}

/// DescribeAcls (29): the bindings one filter matches, grouped by resource pattern. Needs DESCRIBE on the cluster.
struct DescribeAclsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 1...3

    let authorizer: Authorizer?

    func respond(_ request: DescribeAclsRequest, context: RequestContext) async -> DescribeAclsResponse {
        do throws(BrokerError) {
            try AclHandlerSupport.check(authorizer, .describe, context: context)
            let filter = try AclFilter.parsing(
                resourceType: request.resourceTypeFilter, resourceName: request.resourceNameFilter,
                patternType: request.patternTypeFilter, principal: request.principalFilter, host: request.hostFilter,
                operation: request.operation, permission: request.permissionType)
            let bindings = authorizer?.bindings(matching: filter) ?? []
            var resources: [DescribeAclsResponse.DescribeAclsResource] = []
            for binding in bindings {
                let entry = DescribeAclsResponse.AclDescription(
                    principal: binding.principal, host: binding.host, operation: binding.operation.rawValue,
                    permissionType: binding.permission.rawValue)
                if let last = resources.last, last.resourceType == binding.resourceType.rawValue,
                   last.resourceName == binding.resourceName, last.patternType == binding.patternType.rawValue
                {
                    resources[resources.count - 1].acls.append(entry)
                } else {
                    resources.append(.init(
                        resourceType: binding.resourceType.rawValue, resourceName: binding.resourceName,
                        patternType: binding.patternType.rawValue, acls: [entry]))
                }
            }
            return DescribeAclsResponse(errorCode: 0, errorMessage: nil, resources: resources)
        } catch {
            return DescribeAclsResponse(errorCode: error.code.rawValue, errorMessage: error.message)
        }
    }
}

/// DeleteAcls (31): deletes the bindings each filter matches and answers them per filter. Needs ALTER on the
/// cluster.
struct DeleteAclsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 1...3

    let authorizer: Authorizer?
    let logger: Logger

    func respond(_ request: DeleteAclsRequest, context: RequestContext) async -> DeleteAclsResponse {
        let filters: [Result<AclFilter, BrokerError>] = request.filters.map { filter in
            Result { () throws(BrokerError) in
                try AclHandlerSupport.check(authorizer, .alter, context: context)
                return try AclFilter.parsing(
                    resourceType: filter.resourceTypeFilter, resourceName: filter.resourceNameFilter,
                    patternType: filter.patternTypeFilter, principal: filter.principalFilter,
                    host: filter.hostFilter, operation: filter.operation, permission: filter.permissionType)
            }
        }
        let valid = filters.compactMap { try? $0.get() }
        var deleted: [[AclBinding]] = []
        var failure: BrokerError?
        if let authorizer, !valid.isEmpty {
            do {
                deleted = try await authorizer.delete(valid)
                logger.notice("ACLs deleted", metadata: [
                    "principal": "\(context.session.principal)", "count": "\(deleted.joined().count)"])
            } catch {
                failure = BrokerError(wrapping: error)
            }
        }
        var next = deleted.makeIterator()
        return DeleteAclsResponse(filterResults: filters.map { filter in
            if case .failure(let error) = filter {
                return .init(errorCode: error.code.rawValue, errorMessage: error.message)
            }
            if let failure { return .init(errorCode: failure.code.rawValue, errorMessage: failure.message) }
            return .init(errorCode: 0, errorMessage: nil, matchingAcls: (next.next() ?? []).map { binding in
                .init(errorCode: 0, errorMessage: nil, resourceType: binding.resourceType.rawValue,
                      resourceName: binding.resourceName, patternType: binding.patternType.rawValue,
                      principal: binding.principal, host: binding.host, operation: binding.operation.rawValue,
                      permissionType: binding.permission.rawValue)
            })
        })
    }
}

/// What the three ACL APIs check before anything else.
enum AclHandlerSupport {
    /// Throws SECURITY_DISABLED when no authorizer is configured, and CLUSTER_AUTHORIZATION_FAILED when the
    /// principal may not do `operation` on the cluster.
    static func check(_ authorizer: Authorizer?, _ operation: AclOperation, context: RequestContext)
        throws(BrokerError)
    {
        guard authorizer != nil else {
            throw BrokerError(code: .securityDisabled, message: "no authorizer is configured (authorizer.class.name)")
        }
        try context.authorize(operation, .cluster)
    }
}
