import SpoolMetadata
import SpoolProtocol

/// CreateTopics (19): creates topics with a partition count (or the broker's `num.partitions` for -1) and
/// config overrides, or with validate_only checks everything and creates nothing. Spool is one broker, so the
/// replication factor is 1 (or -1 for the default) and a manual assignment may only name this broker.
/// Each topic gets its own error: a bad one never stops the others.
struct CreateTopicsHandler: KafkaResponseHandler {
    // Admin APIs: every version the generated codecs have (topic IDs exist, so CreateTopics 7 and
    // DeleteTopics 6 are fine).
    static let versions: ClosedRange<Int16> = 0...7

    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    let cluster: ClusterIdentity

    /// A topic that passed validation: what will be created.
    private struct Plan {
        let name: String
        let partitions: Int32
        let configs: [String: String]
    }

    /// What a topic that passed validation answers: the plan, and the topic ID once created.
    private struct Created {
        let plan: Plan
        let topicId: KafkaUUID?
    }

    func respond(_ request: CreateTopicsRequest, context: RequestContext) async
        -> CreateTopicsResponse
    {
        var response = CreateTopicsResponse()
        // Every partition is a directory and files: `max.partitions.per.request` bounds what one request makes,
        // counted over its topics in order (validate_only too, so that it answers what the real request would).
        var budget = PartitionBudget(limit: configuration.maximumPartitionsPerRequest)
        let outcomes = await eachDistinct(
            request.topics, key: { "topic \"\($0.name)\"" }, context: context
        ) { topic -> Result<Created, BrokerError> in
            if let denial = context.topicCreationDenial(topic.name) {
                return .failure(BrokerError(code: denial, message: "not authorized to create topic \"\(topic.name)\""))
            }
            return await create(topic, validateOnly: request.validateOnly, budget: &budget)
        }
        for (topic, outcome) in outcomes {
            response.topics.append(answer(topic, outcome, version: context.version))
        }
        return response
    }

    /// Validates one topic and, unless `validateOnly`, creates it.
    /// - Returns: the plan and the new topic's ID (nil when only validated), or why it was refused.
    private func create(_ topic: CreateTopicsRequest.CreatableTopic, validateOnly: Bool,
                        budget: inout PartitionBudget) async -> Result<Created, BrokerError>
    {
        let plan: Plan
        do {
            plan = try validate(topic)
            try budget.take(Int(plan.partitions), for: plan.name)
        } catch {
            return .failure(error)
        }
        guard !validateOnly else { return .success(Created(plan: plan, topicId: nil)) }
        do {
            let entry = try await catalog.createTopic(
                name: plan.name, partitions: plan.partitions, configs: plan.configs)
            return .success(Created(plan: plan, topicId: entry.topicId))
        } catch {
            return .failure(BrokerError(wrapping: error))
        }
    }

    /// Every check CreateTopics makes: name, existence and collision, replication, partitions, configs.
    private func validate(_ topic: CreateTopicsRequest.CreatableTopic)
        throws(BrokerError) -> Plan
    {
        do {
            try TopicName.validate(topic.name)
        } catch {
            throw BrokerError(wrapping: error)
        }
        try InternalTopicName.checkCreatable(topic.name)
        if let existing = catalog.topic(topic.name) {
            throw BrokerError(wrapping: MetadataError.topicAlreadyExists(existing.metadata))
        }
        let key = TopicName.collisionKey(topic.name)
        if let other = catalog.allTopics.first(where: { TopicName.collisionKey($0.name) == key }) {
            throw BrokerError(wrapping: MetadataError.topicNameCollision(topic.name, existing: other.name))
        }
        let partitions = try partitionCount(topic)
        var configs: [String: String] = [:]
        for config in topic.configs {
            guard let value = config.value else {
                throw .invalidConfig("null value for topic config \(config.name): give a value, or leave the key out")
            }
            guard configs.updateValue(value, forKey: config.name) == nil else {
                throw .invalidConfig("topic config \(config.name) is given more than once")
            }
        }
        _ = try TopicConfigs.logConfig(defaults: catalog.configuration.logDefaults, overrides: configs)
        return Plan(name: topic.name, partitions: partitions, configs: configs)
    }

    /// The partition count from num_partitions, or from a manual assignment that names only this broker.
    private func partitionCount(_ topic: CreateTopicsRequest.CreatableTopic)
        throws(BrokerError) -> Int32
    {
        guard topic.replicationFactor == 1 || topic.replicationFactor == -1 else {
            throw BrokerError(
                code: .invalidReplicationFactor,
                message: "replication factor \(topic.replicationFactor) is not possible: Spool is a single broker; "
                    + "use 1, or -1 for the default")
        }
        guard topic.assignments.isEmpty else {
            guard topic.numPartitions == -1, topic.replicationFactor == -1 else {
                throw BrokerError(
                    code: .invalidRequest,
                    message: "give either num_partitions and replication_factor or a replica assignment, not both")
            }
            // The count is checked first so that a huge assignment is refused before it is compared.
            let count = Int32(clamping: topic.assignments.count)
            guard count <= configuration.maximumPartitionsPerRequest,
                  Set(topic.assignments.map(\.partitionIndex)) == Set(0..<count),
                  topic.assignments.allSatisfy({ $0.brokerIds == [cluster.nodeId] })
            else {
                throw BrokerError(
                    code: .invalidReplicaAssignment,
                    message: "a replica assignment must number partitions from 0 and place each on broker "
                        + "\(cluster.nodeId) alone (Spool is a single broker)")
            }
            return count
        }
        let partitions = topic.numPartitions == -1 ? configuration.defaultPartitions : topic.numPartitions
        guard partitions >= 1 else {
            throw BrokerError(
                code: .invalidPartitions,
                message: "invalid partition count \(topic.numPartitions): use 1 or more, "
                    + "or -1 for the broker's num.partitions")
        }
        return partitions
    }

    /// The result for one topic. Fields a version lacks keep their defaults: the error message from v1, the
    /// partition count, replication factor and configs from v5, the topic ID from v7.
    private func answer(_ topic: CreateTopicsRequest.CreatableTopic, _ result: Result<Created, BrokerError>,
                        version: Int16) -> CreateTopicsResponse.CreatableTopicResult
    {
        var answer = CreateTopicsResponse.CreatableTopicResult(name: topic.name)
        switch result {
        case .failure(let error):
            answer.errorCode = error.code.rawValue
            answer.errorMessage = version >= 1 ? error.message : nil
        case .success(let created):
            answer.errorMessage = nil
            if version >= 7, let topicId = created.topicId { answer.topicId = topicId }
            guard version >= 5 else { break }
            // validate_only answers what would have been created.
            answer.numPartitions = created.plan.partitions
            answer.replicationFactor = 1
            answer.configs = TopicConfigs.describe(
                configuration: catalog.configuration, overrides: created.plan.configs
            ).map { config in
                .init(name: config.definition.name, value: config.value, readOnly: false,
                      configSource: config.source.rawValue, isSensitive: false)
            }
        }
        return answer
    }
}

/// What one request may still create under `max.partitions.per.request`.
struct PartitionBudget {
    let limit: Int
    private(set) var taken = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes `count` partitions, or refuses with INVALID_PARTITIONS naming the limit.
    mutating func take(_ count: Int, for topic: String) throws(BrokerError) {
        guard taken + count <= limit else {
            throw BrokerError(
                code: .invalidPartitions,
                message: "topic \"\(topic)\" asks for \(count) partitions, and this request for \(taken + count) in all; "
                    + "one request may create at most \(limit) (max.partitions.per.request): create them in steps")
        }
        taken += count
    }
}
