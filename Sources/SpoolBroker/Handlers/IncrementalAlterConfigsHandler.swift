import Logging
import SpoolMetadata
import SpoolProtocol

/// IncrementalAlterConfigs (44): SET and DELETE of topic config overrides, validated together over the broker's
/// defaults and applied to the open logs at once; validate_only changes nothing. APPEND and SUBTRACT are for
/// list configs, whose values Spool stores whole (cleanup.policy has one legal value), so they are INVALID_CONFIG.
/// Broker settings are read-only here: they come from the file, the environment and flags at startup.
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
                changes = try collect(resource.configs, names: ShareGroupConfigKeys.all, kind: "share group")
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
        let changes = try collect(resource.configs, names: TopicConfigs.names, kind: "topic")
        var merged = topic.metadata.configs
        for key in changes.remove { merged.removeValue(forKey: key) }
        merged.merge(changes.set) { $1 }
        _ = try TopicConfigs.logConfig(defaults: catalog.configuration.logDefaults, overrides: merged)
        return changes
    }

    /// The SETs and DELETEs of one resource; a key named twice, an unknown operation or key, a null value to
    /// set, APPEND and SUBTRACT are refused.
    private func collect(_ configs: [IncrementalAlterConfigsRequest.AlterableConfig], names: [String], kind: String)
        throws(BrokerError) -> Changes
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
                guard names.contains(config.name) else {
                    throw .invalidConfig(
                        "unknown \(kind) config '\(config.name)': Spool supports "
                            + names.joined(separator: ", "))
                }
                changes.remove.append(config.name)
            case .append, .subtract:
                throw .invalidConfig(
                    "APPEND and SUBTRACT are not supported for \(config.name): Spool's \(kind) configs take one "
                        + "value each; use SET or DELETE")
            case nil:
                throw BrokerError(
                    code: .invalidRequest,
                    message: "unknown config operation \(config.configOperation) for \(config.name): "
                        + "use SET (0) or DELETE (1)")
            }
        }
        return changes
    }
}
