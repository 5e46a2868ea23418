import NIOCore
import SpoolLog
import SpoolProtocol

/// ShareFetch (78) v1, KIP-932: the member's share session is opened, continued or closed; acknowledgements
/// riding on the request are applied and made durable first; then records are acquired for the member from every
/// partition of its session (long-polling up to MaxWaitMs while none is available), and returned as whole batches
/// with the acquired offset ranges.
struct ShareFetchHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 1...1

    let shares: SharePartitionManager
    let cluster: ClusterIdentity

    func respond(_ request: ShareFetchRequest, context: RequestContext) async throws -> ShareFetchResponse {
        guard let group = request.groupId, !group.isEmpty, let member = request.memberId, !member.isEmpty else {
            return Self.failure(.invalidRequest, "ShareFetch needs a group id and a member id", lockMs: 0)
        }
        let names = TopicNames(catalog: shares.partitions.catalog)
        // READ on the group and on every topic named: a refusal answers the whole request.
        if let denial = ShareRequests.denial(group: group, topicIds: request.topics.map(\.topicId), names: names,
                                             context: context)
        {
            return Self.failure(denial, "not authorized to READ the group or one of its topics", lockMs: 0)
        }
        let lockMs = Int32(clamping: shares.configs.config(for: group).recordLockDurationMs)
        var adding: [ShareSessionPartition] = []
        var acknowledgements: [(TopicPartition, [AcknowledgementBatch])] = []
        var unknown: [ShareSessionPartition] = []
        for topic in request.topics {
            for partition in topic.partitions {
                let key = ShareSessionPartition(topicId: topic.topicId, partition: partition.partitionIndex)
                guard let target = names.partition(key) else {
                    unknown.append(key)
                    continue
                }
                adding.append(key)
                if !partition.acknowledgementBatches.isEmpty {
                    acknowledgements.append((target, partition.acknowledgementBatches.map {
                        AcknowledgementBatch(
                            firstOffset: $0.firstOffset, lastOffset: $0.lastOffset, acknowledgeTypes: $0.acknowledgeTypes)
                    }))
                }
            }
        }
        let forgetting = request.forgottenTopicsData.flatMap { topic in
            topic.partitions.map { ShareSessionPartition(topicId: topic.topicId, partition: $0) }
        }
        if request.shareSessionEpoch == 0 && request.topics.contains(where: { topic in
            topic.partitions.contains { !$0.acknowledgementBatches.isEmpty }
        }) {
            // As Kafka: a member opening a session holds no records, so it has nothing to acknowledge.
            context.refusals.refused(
                context, resource: "share session of \(member) in \(group)", code: .invalidRequest,
                reason: "acknowledgements with ShareSessionEpoch 0")
            return Self.failure(
                .invalidRequest, "acknowledgements cannot open a share session: send them with the session's epoch",
                lockMs: lockMs)
        }
        let context0: ShareSessionCache.FetchContext
        do {
            context0 = try shares.sessions.fetch(
                .init(groupId: group, memberId: member), epoch: request.shareSessionEpoch, adding: adding,
                forgetting: forgetting)
        } catch {
            context.refusals.refused(
                context, resource: "share session of \(member) in \(group)", code: error.code,
                reason: "ShareSessionEpoch \(request.shareSessionEpoch)")
            return Self.failure(error.code, "share session: \(error.code)", lockMs: lockMs)
        }
        let acknowledged = await shares.acknowledge(group: group, member: member, acknowledgements)
        var response = ShareFetchResponse()
        response.acquisitionLockTimeoutMs = lockMs
        var results = PartitionResults(names: names)
        for (partition, code) in acknowledged { results.acknowledged(partition, code) }
        for key in unknown { results.unknown(key) }
        switch context0 {
        case .closed:
            // The session ends: what the member still holds goes back to the others.
            shares.release(group: group, member: member)
        case .open(let session):
            // A new session (epoch 0) replaces any the member had: as Kafka, what the old one held is released
            // now rather than when its locks expire (a member rejoining after being fenced starts clean).
            if session.isNew { shares.release(group: group, member: member) }
            var wanted: [TopicPartition] = []
            var gone: [ShareSessionPartition] = []
            for key in session.partitions {
                if let partition = names.partition(key) { wanted.append(partition) } else { gone.append(key) }
            }
            wanted.sort()
            // A session partition whose topic was deleted since is answered with its error, at once.
            for key in gone { results.unknown(key) }
            // Held until this handler returns and the response is encoded; with the budget spent, one batch is
            // still read (the first partition with data always gives one), so every member progresses.
            let granted = shares.reserveFetchMemory(
                min(Int(max(request.maxBytes, 1)), shares.settings.maximumFetchBytes))
            defer { shares.releaseFetchMemory(granted) }
            let reads = try await shares.fetch(
                group: group, member: member, wanted, maxRecords: Int(max(request.maxRecords, 1)),
                maxBytes: granted, maxWaitMs: gone.isEmpty ? request.maxWaitMs : 0, eventLoop: context.eventLoop)
            for read in reads { results.fetched(read) }
        }
        response.responses = results.topics(leader: cluster.nodeId)
        response.nodeEndpoints = [Self.endpoint(cluster, listener: context.session.listenerName)]
        return response
    }

    static func failure(_ code: KafkaErrorCode, _ message: String, lockMs: Int32) -> ShareFetchResponse {
        var response = ShareFetchResponse()
        response.errorCode = code.rawValue
        response.errorMessage = message
        response.acquisitionLockTimeoutMs = lockMs
        return response
    }

    static func endpoint(_ cluster: ClusterIdentity, listener: String) -> ShareFetchResponse.NodeEndpoint {
        let address = cluster.advertisedAddress(for: listener)
        var endpoint = ShareFetchResponse.NodeEndpoint()
        endpoint.nodeId = cluster.nodeId
        endpoint.host = address.host
        endpoint.port = Int32(address.port)
        return endpoint
    }
}

/// Topic ids to names and back, for the requests that name topics by id.
struct TopicNames {
    let catalog: TopicCatalog

    func partition(_ key: ShareSessionPartition) -> TopicPartition? {
        guard let entry = catalog.topic(id: key.topicId), entry.log(key.partition) != nil else { return nil }
        return TopicPartition(topic: entry.name, partition: key.partition)
    }

    func topicId(_ name: String) -> KafkaUUID? {
        catalog.topic(name)?.topicId
    }
}

/// A ShareFetch response's partitions, gathered from acknowledgements, fetches and unknown partitions.
private struct PartitionResults {
    let names: TopicNames
    private var byTopic: [KafkaUUID: [Int32: ShareFetchResponse.PartitionData]] = [:]
    private var order: [KafkaUUID] = []

    init(names: TopicNames) {
        self.names = names
    }

    private mutating func update(_ topicId: KafkaUUID, _ partition: Int32,
                                 _ change: (inout ShareFetchResponse.PartitionData) -> Void)
    {
        if byTopic[topicId] == nil { order.append(topicId) }
        var data = byTopic[topicId]?[partition] ?? ShareFetchResponse.PartitionData()
        data.partitionIndex = partition
        // Records are not nullable in v1: a partition without any has an empty record set.
        if data.records == nil { data.records = ByteBuffer() }
        change(&data)
        byTopic[topicId, default: [:]][partition] = data
    }

    mutating func acknowledged(_ partition: TopicPartition, _ code: KafkaErrorCode) {
        guard let id = names.topicId(partition.topic) else { return }
        update(id, partition.partition) { $0.acknowledgeErrorCode = code.rawValue }
    }

    /// A partition the broker does not have: UNKNOWN_TOPIC_ID when no topic has its id (Kafka's answer to a
    /// ShareFetch naming a deleted or never created topic), else UNKNOWN_TOPIC_OR_PARTITION.
    mutating func unknown(_ key: ShareSessionPartition) {
        let code: KafkaErrorCode =
            names.catalog.topic(id: key.topicId) == nil ? .unknownTopicId : .unknownTopicOrPartition
        update(key.topicId, key.partition) { $0.errorCode = code.rawValue }
    }

    mutating func fetched(_ read: ShareFetchRead) {
        guard read.error != nil || !read.acquired.isEmpty, let id = names.topicId(read.partition.topic) else { return }
        update(id, read.partition.partition) { data in
            if let error = read.error {
                data.errorCode = error.code.rawValue
                data.errorMessage = error.message
            }
            data.records = read.records ?? ByteBuffer()
            data.acquiredRecords = read.acquired.map {
                var acquired = ShareFetchResponse.AcquiredRecords()
                acquired.firstOffset = $0.firstOffset
                acquired.lastOffset = $0.lastOffset
                acquired.deliveryCount = $0.deliveryCount
                return acquired
            }
        }
    }

    func topics(leader: Int32) -> [ShareFetchResponse.ShareFetchableTopicResponse] {
        order.map { id in
            var topic = ShareFetchResponse.ShareFetchableTopicResponse()
            topic.topicId = id
            topic.partitions = (byTopic[id] ?? [:]).values.sorted { $0.partitionIndex < $1.partitionIndex }.map {
                var data = $0
                data.currentLeader.leaderId = leader
                data.currentLeader.leaderEpoch = 0
                return data
            }
            return topic
        }
    }
}
