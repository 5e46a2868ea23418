import SpoolProtocol

/// Topic administration: create, delete, list, describe, configs and partitions. Each call is one request
/// to the controller (any broker answers on Spool) and fails with the broker's error code and message for
/// the resource. A struct over a shared `KafkaClient`: safe to share between tasks.
public struct Admin: Sendable {
    /// The client the requests go through.
    public let client: KafkaClient

    /// Makes an admin client.
    /// - Parameter client: the client to send through.
    public init(client: KafkaClient) { self.client = client }

    /// One configuration entry of a topic (or broker).
    public struct ConfigEntry: Sendable, Hashable {
        /// The key, e.g. `retention.ms`.
        public var name: String
        /// The value, or nil when sensitive or unset.
        public var value: String?
        /// Whether the value is the default rather than set on the resource.
        public var isDefault: Bool
        /// Whether it cannot be altered.
        public var readOnly: Bool
        /// Whether the value is hidden.
        public var isSensitive: Bool
    }

    private var timeoutMs: Int32 { Int32(clamping: client.configuration.requestTimeoutMs) }

    private func controller() async throws(SpoolClientError) -> Int32? {
        let metadata = try await client.metadata(topics: [])
        return metadata.controllerId >= 0 && metadata.brokers[metadata.controllerId] != nil
            ? metadata.controllerId : nil
    }

    /// Creates a topic.
    /// - Parameters:
    ///   - name: the topic's name.
    ///   - partitions: the partition count, or -1 for the broker's default.
    ///   - replicationFactor: replicas per partition, or -1 for the broker's default.
    ///   - configs: topic configs such as `retention.ms`.
    /// - Throws: `SpoolClientError.kafka` (TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_CONFIG, ...).
    public func createTopic(
        _ name: String, partitions: Int32 = -1, replicationFactor: Int16 = -1, configs: [String: String] = [:]
    ) async throws(SpoolClientError) {
        let topic = CreateTopicsRequest.CreatableTopic(
            name: name, numPartitions: partitions, replicationFactor: replicationFactor,
            configs: configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) })
        let timeout = timeoutMs
        let response = try await client.send(
            to: try await controller(), maximumVersion: 7, as: CreateTopicsResponse.self
        ) { version throws(SpoolClientError) in
            guard version >= 4 || (partitions > 0 && replicationFactor > 0) else {
                throw .invalidArgument("this broker needs an explicit partition count and replication factor")
            }
            return CreateTopicsRequest(topics: [topic], timeoutMs: timeout)
        }
        for result in response.topics where result.errorCode != 0 {
            throw .kafka(KafkaErrorCode(result.errorCode), "create topic \(result.name)", message: result.errorMessage)
        }
        await client.invalidate(topic: name)
    }

    /// Deletes topics.
    /// - Parameter names: the topics' names.
    /// - Throws: `SpoolClientError.kafka` with the first topic's error (UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func deleteTopics(_ names: [String]) async throws(SpoolClientError) {
        for (_, error) in try await deleteTopicsEach(names) {
            if let error { throw error }
        }
    }

    /// Deletes topics and tells, topic by topic, what became of each: the broker deletes each on its own.
    /// - Parameter names: the topics' names.
    /// - Returns: each name in the order given, with nil when it was deleted or the error it got.
    /// - Throws: `SpoolClientError` when the request itself fails (no broker answers).
    public func deleteTopicsEach(_ names: [String]) async throws(SpoolClientError)
        -> [(name: String, error: SpoolClientError?)]
    {
        let timeout = timeoutMs
        let response = try await client.send(
            to: try await controller(), maximumVersion: 6, as: DeleteTopicsResponse.self
        ) { version in
            version >= 6
                ? DeleteTopicsRequest(topics: names.map { .init(name: $0) }, timeoutMs: timeout)
                : DeleteTopicsRequest(topicNames: names, timeoutMs: timeout)
        }
        var errors: [String: SpoolClientError] = [:]
        for result in response.responses where result.errorCode != 0 {
            let name = result.name ?? "?"
            errors[name] = .kafka(KafkaErrorCode(result.errorCode), "delete topic \(name)", message: result.errorMessage)
        }
        for name in names { await client.invalidate(topic: name) }
        return names.map { ($0, errors[$0]) }
    }

    /// Every topic with its partitions (internal topics included).
    /// - Throws: `SpoolClientError` when no broker answers.
    public func listTopics() async throws(SpoolClientError) -> [ClusterMetadata.Topic] {
        try await client.metadata(topics: nil, allowAutoTopicCreation: false).topics.values.sorted { $0.name < $1.name }
    }

    /// One topic's partitions, leaders and replicas.
    /// - Parameter name: the topic's name.
    /// - Throws: `SpoolClientError.kafka(UNKNOWN_TOPIC_OR_PARTITION)` when it does not exist.
    public func describeTopic(_ name: String) async throws(SpoolClientError) -> ClusterMetadata.Topic {
        let metadata = try await client.metadata(topics: [name], allowAutoTopicCreation: false)
        guard let topic = metadata.topics[name] else {
            throw .kafka(.unknownTopicOrPartition, "describe topic \(name)")
        }
        guard topic.error == .none else { throw .kafka(topic.error, "describe topic \(name)") }
        return topic
    }

    /// A topic's configuration, every key with its value and whether it is a default.
    /// - Parameter topic: the topic's name.
    /// - Throws: `SpoolClientError.kafka` (UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func describeConfigs(topic: String) async throws(SpoolClientError) -> [ConfigEntry] {
        try await describeConfigsWithSources(topic: topic).map {
            ConfigEntry(
                name: $0.name, value: $0.value, isDefault: $0.source == .defaultConfig, readOnly: $0.readOnly,
                isSensitive: $0.isSensitive)
        }
    }

    /// Sets and removes topic config keys (IncrementalAlterConfigs).
    /// - Parameters:
    ///   - topic: the topic's name.
    ///   - set: keys to set, with their values.
    ///   - delete: keys to return to their defaults.
    /// - Throws: `SpoolClientError.kafka` (INVALID_CONFIG, UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func alterConfigs(topic: String, set: [String: String], delete: [String] = []) async throws(SpoolClientError)
    {
        try await alterConfigs(resourceType: 2, name: topic, set: set, delete: delete)
    }

    /// Sets and deletes a share group's configs (the GROUP resource, type 32), leaving the others as they are.
    /// - Parameters:
    ///   - group: the group's id.
    ///   - set: the configs to set, e.g. `share.delivery.count.limit`.
    ///   - delete: the configs to return to the broker's defaults.
    /// - Throws: `SpoolClientError.kafka` (INVALID_CONFIG, ...).
    public func alterConfigs(group: String, set: [String: String], delete: [String] = []) async throws(SpoolClientError)
    {
        try await alterConfigs(resourceType: 32, name: group, set: set, delete: delete)
    }

    private func alterConfigs(resourceType: Int8, name: String, set: [String: String], delete: [String])
        async throws(SpoolClientError)
    {
        let configs =
            set.sorted { $0.key < $1.key }.map {
                IncrementalAlterConfigsRequest.AlterableConfig(name: $0.key, configOperation: 0, value: $0.value)
            } + delete.map { .init(name: $0, configOperation: 1, value: nil) }
        let response = try await client.send(maximumVersion: 1, as: IncrementalAlterConfigsResponse.self) { _ in
            IncrementalAlterConfigsRequest(
                resources: [.init(resourceType: resourceType, resourceName: name, configs: configs)])
        }
        for result in response.responses where result.errorCode != 0 {
            throw .kafka(KafkaErrorCode(result.errorCode), "alter configs of \(name)", message: result.errorMessage)
        }
    }

    /// Raises a topic's partition count.
    /// - Parameters:
    ///   - topic: the topic's name.
    ///   - totalCount: the new number of partitions.
    /// - Throws: `SpoolClientError.kafka` (INVALID_PARTITIONS, UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func createPartitions(topic: String, totalCount: Int32) async throws(SpoolClientError) {
        let timeout = timeoutMs
        let response = try await client.send(
            to: try await controller(), maximumVersion: 3, as: CreatePartitionsResponse.self
        ) { _ in
            CreatePartitionsRequest(
                topics: [.init(name: topic, count: totalCount, assignments: nil)], timeoutMs: timeout)
        }
        for result in response.results where result.errorCode != 0 {
            throw .kafka(
                KafkaErrorCode(result.errorCode), "create partitions of \(topic)", message: result.errorMessage)
        }
        await client.invalidate(topic: topic)
    }
}
