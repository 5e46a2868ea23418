import Logging
import SpoolProtocol

/// AlterConfigs (33), the admin API before IncrementalAlterConfigs, still the only one librdkafka before 2.2
/// (Debian's kcat), kafka-python and aiokafka have. Its semantics are whole-set, as Kafka defines them: the
/// configs a request names for a topic replace all of the topic's overrides, so a config it does not name goes
/// back to the broker's default. A config with a null value is left out, as Kafka leaves it out. The new set is
/// validated whole over the defaults before anything changes; validate_only changes nothing. Broker settings are
/// read-only, as in IncrementalAlterConfigs.
struct AlterConfigsHandler: KafkaResponseHandler {
    // Every version the generated codecs have; v1 and v2 differ from v0 only in encoding.
    static let versions: ClosedRange<Int16> = 0...2

    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    /// Holds share groups' configs (GROUP resources).
    let shares: SharePartitionManager
    let logger: Logger

    func respond(_ request: AlterConfigsRequest, context: RequestContext) async -> AlterConfigsResponse {
        var response = AlterConfigsResponse()
        response.responses = await alterEach(request.resources, context: context, answer: {
            .init(errorCode: $0, errorMessage: $1, resourceType: $2, resourceName: $3)
        }) { resource in
            await replace(resource, validateOnly: request.validateOnly)
        }
        return response
    }

    /// Validates one resource's new config set and, unless `validateOnly`, makes it the topic's overrides.
    /// - Returns: success, or why the resource was refused (nothing of it is changed then).
    private func replace(_ resource: AlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) async
        -> Result<Void, BrokerError>
    {
        if resource.resourceType == ConfigResourceType.group.rawValue {
            let overrides: [String: String]
            do {
                overrides = try wholeSet(resource.configs)
            } catch {
                return .failure(error)
            }
            return await shares.alterConfigs(
                group: resource.resourceName, set: overrides, remove: [], replace: true, validateOnly: validateOnly)
        }
        let overrides: [String: String]
        let dropped: [String]
        do {
            let topic = try ConfigResourceType.alterableTopic(
                type: resource.resourceType, name: resource.resourceName, in: catalog)
            overrides = try wholeSet(resource.configs)
            _ = try TopicConfigs.logConfig(defaults: catalog.configuration.logDefaults, overrides: overrides)
            dropped = topic.metadata.configs.keys.filter { overrides[$0] == nil }
        } catch {
            return .failure(error)
        }
        return await catalog.applyConfigs(
            topic: resource.resourceName, set: overrides, remove: dropped, validateOnly: validateOnly,
            logger: logger)
    }

    /// The overrides a resource's configs name; a key named twice is refused, as Kafka refuses it.
    private func wholeSet(_ configs: [AlterConfigsRequest.AlterableConfig]) throws(BrokerError)
        -> [String: String]
    {
        guard repeatedNames(configs.map(\.name)).isEmpty else {
            throw BrokerError(code: .invalidRequest, message: "a config key is named more than once; name each once")
        }
        var overrides: [String: String] = [:]
        for config in configs {
            if let value = config.value { overrides[config.name] = value }
        }
        return overrides
    }
}
