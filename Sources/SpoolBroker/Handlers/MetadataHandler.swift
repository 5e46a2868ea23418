import Logging
import SpoolMetadata
import SpoolProtocol

/// Metadata (3): this broker, and the topics asked for (all when none are named), each partition led by
/// this broker at leader epoch 0. Missing topics are created when auto-creation is on and the client allows it.
/// v13 (Kafka 4.1) only adds a top-level ErrorCode, which stays 0: errors here are per topic.
struct MetadataHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...13

    let cluster: ClusterIdentity
    let catalog: TopicCatalog
    let logger: Logger

    func respond(_ request: MetadataRequest, context: RequestContext) async
        -> MetadataResponse
    {
        let address = cluster.advertisedAddress(for: context.session.listenerName)
        var response = MetadataResponse(
            brokers: [.init(nodeId: cluster.nodeId, host: address.host, port: Int32(address.port), rack: nil)],
            clusterId: cluster.clusterId, controllerId: cluster.nodeId)
        // Metadata v0 has no null array: an empty list means every topic.
        let everything = request.topics == nil || (context.version == 0 && request.topics?.isEmpty == true)
        guard !everything, let requested = request.topics else {
            // A listing leaves out what the principal may not describe, as Kafka does.
            response.topics = catalog.allTopics.filter { context.isAllowed(.describe, .topic($0.name), quietly: true) }
                .map { describe($0) }
            return response
        }
        // Before v4 a client cannot say no, and Kafka creates; from v4 it asks with allowAutoTopicCreation.
        let allowCreation = context.version < 4 || request.allowAutoTopicCreation
        for topic in requested {
            response.topics.append(await lookup(topic, allowCreation: allowCreation, context: context))
        }
        return response
    }

    private func lookup(_ topic: MetadataRequest.MetadataRequestTopic, allowCreation: Bool,
                        context: RequestContext) async -> MetadataResponse.MetadataResponseTopic
    {
        guard let name = topic.name else {
            if let entry = catalog.topic(id: topic.topicId) {
                if let denial = context.denial(.describe, .topic(entry.name)) {
                    return .init(errorCode: denial.rawValue, name: nil, topicId: topic.topicId)
                }
                return describe(entry)
            }
            return .init(errorCode: KafkaErrorCode.unknownTopicId.rawValue, name: nil, topicId: topic.topicId)
        }
        if let denial = context.denial(.describe, .topic(name)) { return .init(errorCode: denial.rawValue, name: name) }
        // Creating a missing topic needs CREATE on the cluster or on the topic.
        if allowCreation, catalog.topic(name) == nil, let denial = context.topicCreationDenial(name) {
            return .init(errorCode: denial.rawValue, name: name)
        }
        do {
            if let entry = try await catalog.topicCreatingIfAllowed(name, allowed: allowCreation) {
                return describe(entry)
            }
            return .init(errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: name)
        } catch let error as MetadataError {
            return .init(errorCode: BrokerError(wrapping: error).code.rawValue, name: name)
        } catch let error as BrokerError {
            // Auto-creation refused by a limit (max.partitions): the client's answer, not the broker's fault.
            return .init(errorCode: error.code.rawValue, name: name)
        } catch {
            logger.warning("topic creation failed", metadata: ["topic": "\(name)", "error": "\(error)"])
            return .init(errorCode: KafkaErrorCode.unknownServerError.rawValue, name: name)
        }
    }

    func describe(_ entry: TopicEntry) -> MetadataResponse.MetadataResponseTopic {
        let partitions = (0..<Int32(entry.logs.count)).map { index in
            MetadataResponse.MetadataResponsePartition(
                errorCode: 0, partitionIndex: index, leaderId: cluster.nodeId, leaderEpoch: 0,
                replicaNodes: [cluster.nodeId], isrNodes: [cluster.nodeId], offlineReplicas: [])
        }
        return .init(errorCode: 0, name: entry.name, topicId: entry.topicId, isInternal: false, partitions: partitions)
    }
}
