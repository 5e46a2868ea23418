import SpoolProtocol

extension Admin {
    /// Where a config's value comes from, by Kafka's DescribeConfigs `config_source` codes.
    public struct ConfigSource: Sendable, Hashable, CustomStringConvertible {
        /// The wire code (0 to 8 in Kafka 3.x).
        public let rawValue: Int8

        /// Makes a source from its wire code.
        /// - Parameter rawValue: the `config_source` byte.
        public init(rawValue: Int8) { self.rawValue = rawValue }

        /// Not known (DescribeConfigs v0 tells only default or not).
        public static let unknown = ConfigSource(rawValue: 0)
        /// Set on the topic (CreateTopics configs, AlterConfigs).
        public static let dynamicTopicConfig = ConfigSource(rawValue: 1)
        /// Set for this broker at run time.
        public static let dynamicBrokerConfig = ConfigSource(rawValue: 2)
        /// Set at run time for every broker.
        public static let dynamicDefaultBrokerConfig = ConfigSource(rawValue: 3)
        /// From the broker's configuration at start-up (its file, flags or environment).
        public static let staticBrokerConfig = ConfigSource(rawValue: 4)
        /// The built-in default.
        public static let defaultConfig = ConfigSource(rawValue: 5)
        /// Set on the group (IncrementalAlterConfigs on a GROUP resource).
        public static let groupConfig = ConfigSource(rawValue: 8)

        private static let names: [Int8: String] = [
            0: "UNKNOWN", 1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG", 3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
            4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG", 6: "DYNAMIC_BROKER_LOGGER_CONFIG",
            7: "CLIENT_METRICS_CONFIG", 8: "GROUP_CONFIG",
        ]

        /// Kafka's name for the source, e.g. `DYNAMIC_TOPIC_CONFIG`, as kafka-configs and rpk print it.
        public var description: String { Self.names[rawValue] ?? "SOURCE_\(rawValue)" }
    }

    /// One configuration entry with where its value comes from.
    public struct SourcedConfigEntry: Sendable, Hashable {
        /// The key, e.g. `retention.ms`.
        public var name: String
        /// The value, or nil when sensitive or unset.
        public var value: String?
        /// Where the value comes from: the topic, the broker's configuration or the default.
        public var source: ConfigSource
        /// Whether it cannot be altered.
        public var readOnly: Bool
        /// Whether the value is hidden.
        public var isSensitive: Bool
    }

    /// A topic's whole configuration (every key the broker knows, defaults included) with each value's source.
    /// - Parameter topic: the topic's name.
    /// - Returns: the entries sorted by key.
    /// - Throws: `SpoolClientError.kafka` (UNKNOWN_TOPIC_OR_PARTITION, ...), or a connection error.
    public func describeConfigsWithSources(topic: String) async throws(SpoolClientError) -> [SourcedConfigEntry] {
        try await describeConfigsWithSources(resourceType: 2, name: topic)
    }

    /// A share group's configs (the GROUP resource, type 32): its own as GROUP_CONFIG, the rest the broker's.
    /// - Parameter group: the group's id.
    /// - Returns: the entries sorted by key.
    /// - Throws: `SpoolClientError.kafka`, or a connection error.
    public func describeConfigsWithSources(group: String) async throws(SpoolClientError) -> [SourcedConfigEntry] {
        try await describeConfigsWithSources(resourceType: 32, name: group)
    }

    private func describeConfigsWithSources(resourceType: Int8, name topic: String) async throws(SpoolClientError)
        -> [SourcedConfigEntry]
    {
        let response = try await client.send(maximumVersion: 4, as: DescribeConfigsResponse.self) { _ in
            DescribeConfigsRequest(
                resources: [.init(resourceType: resourceType, resourceName: topic, configurationKeys: nil)])
        }
        var entries: [SourcedConfigEntry] = []
        for result in response.results {
            guard result.errorCode == 0 else {
                throw .kafka(
                    KafkaErrorCode(result.errorCode), "describe configs of \(topic)", message: result.errorMessage)
            }
            for config in result.configs {
                // Every version the codec has (v1+, as in Kafka 4.x) carries the source; -1 would be a broker's
                // "unknown".
                let source: ConfigSource =
                    config.configSource >= 0 ? ConfigSource(rawValue: config.configSource) : .unknown
                entries.append(
                    SourcedConfigEntry(
                        name: config.name, value: config.value, source: source, readOnly: config.readOnly,
                        isSensitive: config.isSensitive))
            }
        }
        return entries.sorted { $0.name < $1.name }
    }
}
