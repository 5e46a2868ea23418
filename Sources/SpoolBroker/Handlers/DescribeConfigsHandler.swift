import SpoolProtocol

/// DescribeConfigs (32): a topic's configs (each override as DYNAMIC_TOPIC_CONFIG, a broker setting given at
/// start-up as STATIC_BROKER_CONFIG, the rest DEFAULT_CONFIG, with synonyms in that order), and the broker's own
/// settings (resource "1", this node), which are read-only. Each resource gets its own error.
struct DescribeConfigsHandler: KafkaResponseHandler {
    // Every version the generated codecs have, as for the other admin APIs: Kafka 4.x's schema (KIP-896)
    // removed v0, so from messages-4.x the codec starts at v1.
    static let versions: ClosedRange<Int16> = 1...4

    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    let cluster: ClusterIdentity
    /// Holds share groups' configs (GROUP resources).
    let shares: SharePartitionManager

    /// Kafka's UNKNOWN config type, for broker settings, which Spool does not type.
    private static let unknownType: Int8 = 0

    private typealias Entry = DescribeConfigsResponse.DescribeConfigsResourceResult

    func respond(_ request: DescribeConfigsRequest, context: RequestContext) async
        -> DescribeConfigsResponse
    {
        var response = DescribeConfigsResponse()
        for resource in request.resources {
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, errorMessage: nil, resourceType: resource.resourceType,
                resourceName: resource.resourceName)
            do {
                try ConfigResourceType.authorize(
                    .describeConfigs, type: resource.resourceType, name: resource.resourceName, context: context)
                var entries = try describe(resource, request: request, version: context.version)
                // Kafka lists every config when the keys are null or empty.
                if let keys = resource.configurationKeys, !keys.isEmpty {
                    entries = entries.filter { keys.contains($0.name) }
                }
                result.configs = entries
            } catch {
                result.errorCode = error.code.rawValue
                result.errorMessage = error.message
            }
            response.results.append(result)
        }
        return response
    }

    private func describe(_ resource: DescribeConfigsRequest.DescribeConfigsResource,
                                 request: DescribeConfigsRequest, version: Int16)
        throws(BrokerError) -> [Entry]
    {
        let options = Options(
            version: version, synonyms: version >= 1 && request.includeSynonyms,
            documentation: version >= 3 && request.includeDocumentation)
        switch ConfigResourceType(rawValue: resource.resourceType) {
        case .topic:
            guard let topic = catalog.topic(resource.resourceName) else {
                throw BrokerError(
                    code: .unknownTopicOrPartition, message: "topic \"\(resource.resourceName)\" does not exist")
            }
            return topicEntries(topic.metadata.configs, options: options)
        case .broker:
            // An empty name asks for the cluster-wide defaults, which on a single broker are its settings.
            guard resource.resourceName.isEmpty || resource.resourceName == String(cluster.nodeId) else {
                throw BrokerError(
                    code: .invalidRequest,
                    message: "unknown broker \"\(resource.resourceName)\": Spool is one broker, node \(cluster.nodeId)")
            }
            return brokerEntries(options: options)
        case .group:
            guard !resource.resourceName.isEmpty else {
                throw BrokerError(code: .invalidRequest, message: "a group resource needs a group id")
            }
            return groupEntries(resource.resourceName, options: options)
        case .brokerLogger, nil:
            throw BrokerError(
                code: .invalidRequest,
                message: "resource type \(resource.resourceType) is not described by Spool: "
                    + "use topic (2), broker (4) or group (32)")
        }
    }

    /// Which optional parts the version and the request ask for.
    private struct Options {
        let version: Int16
        let synonyms: Bool
        let documentation: Bool
    }

    private func topicEntries(_ overrides: [String: String], options: Options) -> [Entry] {
        TopicConfigs.describe(configuration: catalog.configuration, overrides: overrides).map { config in
            var entry = Self.makeEntry(
                name: config.definition.name, value: config.value, readOnly: false, source: config.source,
                options: options, type: config.definition.type.rawValue,
                documentation: config.definition.documentation)
            if options.synonyms {
                entry.synonyms = config.synonyms.map {
                    .init(name: $0.name, value: $0.value, source: $0.source.rawValue)
                }
            }
            return entry
        }
    }

    /// A share group's configs: its overrides as DYNAMIC_GROUP_CONFIG, the rest from the broker's settings
    /// (DEFAULT_CONFIG), in ShareGroupConfigKeys' order.
    private func groupEntries(_ group: String, options: Options) -> [Entry] {
        let overrides = shares.configs.overrides(for: group)
        let values = ShareGroupConfigKeys.values(of: shares.configs.config(for: group))
        return ShareGroupConfigKeys.all.map { key in
            let source: ConfigSource = overrides[key] != nil ? .dynamicGroupConfig : .defaultConfig
            // An override shows as written (by_duration:PT1H stays so); a default in its canonical form.
            let value: String? = overrides[key] ?? (values[key] ?? nil)
            var entry = Self.makeEntry(
                name: key, value: value, readOnly: false, source: source, options: options,
                type: Self.unknownType, documentation: nil)
            if options.synonyms { entry.synonyms = [.init(name: key, value: value, source: source.rawValue)] }
            return entry
        }
    }

    private func brokerEntries(options: Options) -> [Entry] {
        Settings.all.map { setting in
            let (value, source) = brokerSetting(setting.key)
            var entry = Self.makeEntry(
                name: setting.key, value: value, readOnly: true, source: source, options: options, type: Self.unknownType,
                documentation: setting.help)
            if options.synonyms { entry.synonyms = [.init(name: setting.key, value: value, source: source.rawValue)] }
            return entry
        }
    }

    /// A broker setting's value and whether it was set (static) or is the built-in default; nil for a key
    /// Spool has no setting for.
    private func brokerSetting(_ key: String) -> (String?, ConfigSource) {
        guard let setting = Settings.byKey[key] else { return (nil, .defaultConfig) }
        let value = setting.current(catalog.configuration)
        return (value, value == setting.current(BrokerConfiguration()) ? .defaultConfig : .staticBrokerConfig)
    }

    /// One config entry with only the fields its version has: the source (v1+), the type and documentation
    /// from v3.
    private static func makeEntry(name: String, value: String?, readOnly: Bool, source: ConfigSource,
                                  options: Options, type: Int8, documentation: String?) -> Entry
    {
        var entry = Entry(name: name, value: value, readOnly: readOnly, isSensitive: false)
        entry.configSource = source.rawValue
        if options.version >= 3 {
            entry.configType = type
            entry.documentation = options.documentation ? documentation : nil
        }
        return entry
    }
}
