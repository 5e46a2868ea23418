import Logging
import SpoolMetadata
import SpoolProtocol

/// IncrementalAlterConfigs (44): SET, DELETE, APPEND and SUBTRACT of topic config overrides, validated together
/// over the broker's defaults and applied to the open logs at once; validate_only changes nothing. APPEND and
/// SUBTRACT act on list configs (cleanup.policy, the throttled replica lists) as in Kafka: APPEND adds the items
/// the list lacks at its end (`delete` + `compact` is `delete,compact`), SUBTRACT removes items; either sets the
/// result as the topic's own value. Broker settings are read-only here: they come from the file, the environment
/// and flags at startup.
struct IncrementalAlterConfigsHandler: KafkaResponseHandler {
    // Every version the generated codecs have, as for the other admin APIs.
    static let versions: ClosedRange<Int16> = 0...1

    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    /// Holds share groups' configs (GROUP resources).
    let shares: SharePartitionManager
    let logger: Logger

    /// Kafka's `AlterConfigOp.OpType`.
    private enum Operation: Int8 {
        case set = 0
        case delete = 1
        case append = 2
        case subtract = 3
    }

    /// The changes to one topic's overrides.
    private struct Changes {
        var set: [String: String] = [:]
        var remove: [String] = []
    }

    func respond(_ request: IncrementalAlterConfigsRequest, context: RequestContext) async
        -> IncrementalAlterConfigsResponse
    {
        var response = IncrementalAlterConfigsResponse()
        response.responses = await alterEach(request.resources, context: context, answer: {
            .init(errorCode: $0, errorMessage: $1, resourceType: $2, resourceName: $3)
        }) { resource in
            await alter(resource, validateOnly: request.validateOnly)
        }
        return response
    }

    /// Validates one resource's changes and, unless `validateOnly`, applies them.
    /// - Returns: success, or why the resource was refused (nothing of it is changed then).
    private func alter(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) async
        -> Result<Void, BrokerError>
    {
        if resource.resourceType == ConfigResourceType.group.rawValue {
            let changes: Changes
            do {
                // Share group configs are numbers and strings: none is a list to APPEND to.
                changes = try collect(
                    resource.configs, names: ShareGroupConfigKeys.all, kind: "share group", listValue: { _ in nil })
            } catch {
                return .failure(error)
            }
            return await shares.alterConfigs(
                group: resource.resourceName, set: changes.set, remove: changes.remove, replace: false,
                validateOnly: validateOnly)
        }
        let changes: Changes
        do {
            changes = try validate(resource)
        } catch {
            return .failure(error)
        }
        return await catalog.applyConfigs(
            topic: resource.resourceName, set: changes.set, remove: changes.remove, validateOnly: validateOnly,
            logger: logger)
    }

    /// The changes to a topic's overrides, checked together with the overrides they leave over the defaults.
    private func validate(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource) throws(BrokerError)
        -> Changes
    {
        let topic = try ConfigResourceType.alterableTopic(
            type: resource.resourceType, name: resource.resourceName, in: catalog)
        let defaults = catalog.configuration.logDefaults
        let changes = try collect(resource.configs, names: TopicConfigs.names, kind: "topic") { name in
            TopicConfigs.listValue(name, overrides: topic.metadata.configs, defaults: defaults)
        }
        var merged = topic.metadata.configs
        for key in changes.remove { merged.removeValue(forKey: key) }
        merged.merge(changes.set) { $1 }
        _ = try TopicConfigs.logConfig(defaults: catalog.configuration.logDefaults, overrides: merged)
        return changes
    }

    /// The changes of one resource, APPEND and SUBTRACT turned into the SET of the list they give; a key named
    /// twice, an unknown operation or key, a null value to set, append or subtract, and APPEND or SUBTRACT of a
    /// config that is not a list are refused.
    /// - Parameter listValue: the items a list config holds now (the resource's own value, else its default);
    ///   nil for a config that is not a list.
    private func collect(_ configs: [IncrementalAlterConfigsRequest.AlterableConfig], names: [String], kind: String,
                         listValue: (String) -> [String]?) throws(BrokerError) -> Changes
    {
        guard repeatedNames(configs.map(\.name)).isEmpty else {
            throw BrokerError(code: .invalidRequest, message: "a config key is named more than once; name each once")
        }
        var changes = Changes()
        for config in configs {
            switch Operation(rawValue: config.configOperation) {
            case .set:
                guard let value = config.value else {
                    throw .invalidConfig("null value to SET for \(config.name): give a value, or DELETE the key")
                }
                changes.set[config.name] = value
            case .delete:
                try Self.checkKnown(config.name, names: names, kind: kind)
                changes.remove.append(config.name)
            case .append, .subtract:
                let appending = config.configOperation == Operation.append.rawValue
                let operation = appending ? "APPEND" : "SUBTRACT"
                try Self.checkKnown(config.name, names: names, kind: kind)
                guard let items = listValue(config.name) else {
                    throw .invalidConfig("can't \(operation) to \(config.name) because its type is not LIST: use SET")
                }
                guard let value = config.value else {
                    throw .invalidConfig(
                        "null value to \(operation) for \(config.name): give the items to \(operation)")
                }
                changes.set[config.name] = TopicConfigs.alteredList(items, appending: appending, items: value)
            case nil:
                throw BrokerError(
                    code: .invalidRequest,
                    message: "unknown config operation \(config.configOperation) for \(config.name): "
                        + "use SET (0), DELETE (1), APPEND (2) or SUBTRACT (3)")
            }
        }
        return changes
    }

    private static func checkKnown(_ name: String, names: [String], kind: String) throws(BrokerError) {
        guard names.contains(name) else {
            throw .invalidConfig("unknown \(kind) config '\(name)': Spool supports " + names.joined(separator: ", "))
        }
    }
}
