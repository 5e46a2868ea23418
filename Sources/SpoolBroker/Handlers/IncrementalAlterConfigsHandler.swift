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
        let outcomes = await eachDistinct(
            request.resources, key: { "resource \"\($0.resourceName)\" of type \($0.resourceType)" },
            context: context
        ) { resource in
            await alter(resource, validateOnly: request.validateOnly)
        }
        for (resource, outcome) in outcomes {
            response.responses.append(
                .init(errorCode: outcome.errorCode, errorMessage: outcome.errorMessage,
                      resourceType: resource.resourceType, resourceName: resource.resourceName))
        }
        return response
    }

    /// Validates one resource's changes and, unless `validateOnly`, applies them.
    /// - Returns: success, or why the resource was refused (nothing of it is changed then).
    private func alter(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) async
        -> Result<Void, BrokerError>
    {
        let changes: Changes
        do {
            changes = try validate(resource)
        } catch {
            return .failure(error)
        }
        guard !validateOnly else { return .success(()) }
        let name = resource.resourceName
        do {
            _ = try await catalog.alterConfigs(name: name, set: changes.set, remove: changes.remove)
            logger.info(
                "altered topic configs",
                metadata: ["topic": "\(name)", "set": "\(changes.set.keys.sorted())", "removed": "\(changes.remove)"])
            return .success(())
        } catch {
            return .failure(BrokerError(wrapping: error))
        }
    }

    /// The changes to a topic's overrides, checked together with the overrides they leave over the defaults.
    private func validate(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource) throws(BrokerError)
        -> Changes
    {
        switch ConfigResourceType(rawValue: resource.resourceType) {
        case .topic:
            break
        case .broker, .brokerLogger:
            // Kafka answers INVALID_REQUEST for broker configs that cannot be updated dynamically.
            throw BrokerError(
                code: .invalidRequest,
                message: "broker configs are read-only in Spool: set them in the config file, the environment "
                    + "or flags of spool serve and restart")
        case nil:
            throw BrokerError(
                code: .invalidRequest,
                message: "resource type \(resource.resourceType) has no configs in Spool: use topic (2)")
        }
        guard let topic = catalog.topic(resource.resourceName) else {
            throw BrokerError(wrapping: MetadataError.unknownTopic(resource.resourceName))
        }
        let changes = try collect(resource.configs)
        var merged = topic.metadata.configs
        for key in changes.remove { merged.removeValue(forKey: key) }
        merged.merge(changes.set) { $1 }
        _ = try TopicConfigs.logConfig(defaults: configuration.logDefaults, overrides: merged)
        return changes
    }

    /// The SETs and DELETEs of one resource; a key named twice, an unknown operation or key, a null value to
    /// set, APPEND and SUBTRACT are refused.
    private func collect(_ configs: [IncrementalAlterConfigsRequest.AlterableConfig])
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
                guard TopicConfigs.names.contains(config.name) else {
                    throw .invalidConfig(
                        "unknown topic config '\(config.name)': Spool supports "
                            + TopicConfigs.names.joined(separator: ", "))
                }
                changes.remove.append(config.name)
            case .append, .subtract:
                throw .invalidConfig(
                    "APPEND and SUBTRACT are not supported for \(config.name): Spool's topic configs take one "
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
