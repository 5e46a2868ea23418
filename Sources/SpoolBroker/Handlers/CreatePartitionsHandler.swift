import SpoolMetadata
import SpoolProtocol

/// CreatePartitions (37): grows topics to a new partition count (partitions are added, never removed), or with
/// validate_only checks and changes nothing. A manual assignment may only place the new partitions on this
/// broker. Each topic gets its own error; a topic named twice is INVALID_REQUEST.
struct CreatePartitionsHandler: KafkaResponseHandler {
    // Every version the generated codecs have, as for the other admin APIs.
    static let versions: ClosedRange<Int16> = 0...3

    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    let cluster: ClusterIdentity

    func respond(_ request: CreatePartitionsRequest, context: RequestContext) async
        -> CreatePartitionsResponse
    {
        var response = CreatePartitionsResponse()
        var budget = PartitionBudget(limit: configuration.maximumPartitionsPerRequest)
        let outcomes = await eachDistinct(
            request.topics, key: { "topic \"\($0.name)\"" }, context: context
        ) { topic in
            await grow(topic, validateOnly: request.validateOnly, budget: &budget, context: context)
        }
        for (topic, outcome) in outcomes {
            response.results.append(
                .init(name: topic.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage))
        }
        return response
    }

    /// Checks one topic's new count and, unless `validateOnly`, adds the partitions.
    /// - Returns: success, or why the topic was refused.
    private func grow(_ topic: CreatePartitionsRequest.CreatePartitionsTopic, validateOnly: Bool,
                      budget: inout PartitionBudget, context: RequestContext) async -> Result<Void, BrokerError>
    {
        do {
            try context.authorize(.alter, .topic(topic.name))
            let added = try validate(topic)
            try budget.take(added, for: topic.name)
        } catch {
            return .failure(error)
        }
        guard !validateOnly else { return .success(()) }
        do {
            _ = try await catalog.increasePartitions(name: topic.name, to: topic.count)
            return .success(())
        } catch {
            return .failure(BrokerError(wrapping: error))
        }
    }

    /// - Returns: how many partitions the change adds.
    private func validate(_ topic: CreatePartitionsRequest.CreatePartitionsTopic)
        throws(BrokerError) -> Int
    {
        guard let entry = catalog.topic(topic.name) else {
            throw BrokerError(wrapping: MetadataError.unknownTopic(topic.name))
        }
        let current = Int32(entry.logs.count)
        guard topic.count > current else {
            throw BrokerError(
                wrapping: MetadataError.invalidPartitionCount(
                    topic: topic.name, requested: topic.count, current: current))
        }
        if let assignments = topic.assignments, !assignments.isEmpty {
            guard assignments.count == Int(topic.count - current),
                  assignments.allSatisfy({ $0.brokerIds == [cluster.nodeId] })
            else {
                throw BrokerError(
                    code: .invalidReplicaAssignment,
                    message: "the assignment must give one entry per new partition (\(topic.count - current)), "
                        + "each on broker \(cluster.nodeId) alone (Spool is a single broker)")
            }
        }
        return Int(topic.count - current)
    }
}
