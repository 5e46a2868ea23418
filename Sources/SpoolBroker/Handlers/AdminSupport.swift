import Logging
import SpoolLog
import SpoolMetadata
import SpoolProtocol
import SpoolRecords

/// Kafka's config resource types (`ConfigResource.Type`), as DescribeConfigs and IncrementalAlterConfigs carry them.
enum ConfigResourceType: Int8 {
    case topic = 2
    case broker = 4
    case brokerLogger = 8
    /// A consumer or share group's configs (KIP-848, KIP-932); Spool has them for share groups.
    case group = 32

    /// Throws the authorization error when the principal may not do `operation` (DESCRIBE_CONFIGS, ALTER_CONFIGS)
    /// on the config resource of `type` and `name`: a topic, a group, or the cluster for broker configs. An unknown
    /// type is left to the handler's own check.
    /// - Throws: `BrokerError` TOPIC, GROUP or CLUSTER_AUTHORIZATION_FAILED.
    static func authorize(_ operation: AclOperation, type: Int8, name: String, context: RequestContext)
        throws(BrokerError)
    {
        switch ConfigResourceType(rawValue: type) {
        case .topic: try context.authorize(operation, .topic(name))
        case .group: try context.authorize(operation, .group(name))
        case .broker, .brokerLogger: try context.authorize(operation, .cluster)
        case nil: break
        }
    }

    /// The topic an alter request (AlterConfigs or IncrementalAlterConfigs) names, or why it cannot be altered:
    /// broker settings are read-only, and topics are the only other resource Spool has configs for.
    /// - Throws: INVALID_REQUEST for a broker or unknown resource type, UNKNOWN_TOPIC_OR_PARTITION for no topic.
    static func alterableTopic(type: Int8, name: String, in catalog: TopicCatalog) throws(BrokerError)
        -> TopicEntry
    {
        switch ConfigResourceType(rawValue: type) {
        case .topic:
            break
        case .group:
            // The alter handlers send GROUP resources to the share-partition manager before asking for a topic.
            throw BrokerError(code: .invalidRequest, message: "group \"\(name)\" is not a topic")
        case .broker, .brokerLogger:
            // Kafka answers INVALID_REQUEST for broker configs that cannot be updated dynamically.
            throw BrokerError(
                code: .invalidRequest,
                message: "broker configs are read-only in Spool: set them in the config file, the environment "
                    + "or flags of spool serve and restart")
        case nil:
            throw BrokerError(
                code: .invalidRequest, message: "resource type \(type) has no configs in Spool: use topic (2) or group (32)")
        }
        guard let topic = catalog.topic(name) else { throw BrokerError(wrapping: MetadataError.unknownTopic(name)) }
        return topic
    }
}

extension Result where Failure == BrokerError {
    /// The Kafka error code of the outcome: 0 on success.
    var errorCode: Int16 {
        if case .failure(let error) = self { error.code.rawValue } else { KafkaErrorCode.none.rawValue }
    }

    /// The message of a failure; nil (no error) on success.
    var errorMessage: String? {
        if case .failure(let error) = self { error.message } else { nil }
    }
}

extension TopicCatalog {
    /// Applies validated changes to a topic's config overrides and logs them; with `validateOnly`, does nothing.
    /// - Parameters:
    ///   - name: the topic.
    ///   - set: overrides to add or replace.
    ///   - remove: overrides to drop (back to the broker's default).
    ///   - validateOnly: the request only asked whether the change is valid.
    ///   - logger: where the change is logged.
    /// - Returns: success, or why the store refused the change.
    func applyConfigs(topic name: String, set: [String: String], remove: [String], validateOnly: Bool,
                      logger: Logger) async -> Result<Void, BrokerError>
    {
        guard !validateOnly else { return .success(()) }
        do {
            _ = try await alterConfigs(name: name, set: set, remove: remove)
            logger.info(
                "altered topic configs",
                metadata: ["topic": "\(name)", "set": "\(set.keys.sorted())", "removed": "\(remove.sorted())"])
            return .success(())
        } catch {
            return .failure(BrokerError(wrapping: error))
        }
    }
}

/// A resource of an alter request (AlterConfigs or IncrementalAlterConfigs), as both codecs carry it.
protocol AlterableResource {
    var resourceType: Int8 { get }
    var resourceName: String { get }
}

extension AlterConfigsRequest.AlterConfigsResource: AlterableResource {}
extension IncrementalAlterConfigsRequest.AlterConfigsResource: AlterableResource {}

/// Alters each distinct resource of a request and answers each, a resource named twice once (INVALID_REQUEST).
/// - Parameters:
///   - resources: the request's resources.
///   - context: the request; each refused resource gets a line in its refusal log.
///   - answer: makes one resource's answer from its error code, error message, type and name.
///   - body: validates and applies one resource's changes.
/// - Returns: the answers, in request order.
func alterEach<Resource: AlterableResource, Answer>(
    _ resources: [Resource], context: RequestContext, answer: (Int16, String?, Int8, String) -> Answer,
    _ body: (Resource) async -> Result<Void, BrokerError>
) async -> [Answer] {
    let outcomes = await eachDistinct(
        resources, key: { "resource \"\($0.resourceName)\" of type \($0.resourceType)" }, context: context
    ) { resource -> Result<Void, BrokerError> in
        do throws(BrokerError) {
            try ConfigResourceType.authorize(
                .alterConfigs, type: resource.resourceType, name: resource.resourceName, context: context)
        } catch {
            return .failure(error)
        }
        return await body(resource)
    }
    return outcomes.map { resource, outcome in
        answer(outcome.errorCode, outcome.errorMessage, resource.resourceType, resource.resourceName)
    }
}

/// Does `body` once for each distinct resource of a request, in request order. A resource named more than once
/// is answered once, with INVALID_REQUEST and nothing done, as Kafka answers duplicates in admin requests.
/// - Parameters:
///   - items: the request's resources.
///   - key: names a resource in the duplicate's message (`topic "orders"`); equal keys are duplicates.
///   - context: the request; each refused resource gets a line in its refusal log.
///   - body: the work for one resource.
/// - Returns: each distinct resource with its outcome.
func eachDistinct<Item, Outcome>(
    _ items: [Item], key: (Item) -> String, context: RequestContext,
    _ body: (Item) async -> Result<Outcome, BrokerError>
) async -> [(item: Item, outcome: Result<Outcome, BrokerError>)] {
    var counts: [String: Int] = [:]
    for item in items { counts[key(item), default: 0] += 1 }
    var answered: Set<String> = []
    var outcomes: [(item: Item, outcome: Result<Outcome, BrokerError>)] = []
    for item in items where answered.insert(key(item)).inserted {
        let name = key(item)
        guard counts[name, default: 0] == 1 else {
            outcomes.append((item, .failure(BrokerError(
                code: .invalidRequest, message: "\(name) appears more than once in the request; name it once"))))
            continue
        }
        outcomes.append((item, await body(item)))
    }
    for (item, outcome) in outcomes {
        if case .failure(let error) = outcome {
            context.refusals.refused(context, resource: key(item), code: error.code, reason: error.message)
        }
    }
    return outcomes
}

/// The names that appear more than once in `names`.
func repeatedNames<Names: Sequence>(_ names: Names) -> Set<String> where Names.Element == String {
    var seen: Set<String> = []
    var repeated: Set<String> = []
    for name in names where !seen.insert(name).inserted {
        repeated.insert(name)
    }
    return repeated
}
