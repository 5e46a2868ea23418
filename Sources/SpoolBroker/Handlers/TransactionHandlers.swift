import SpoolMetadata
import SpoolProtocol

/// AddPartitionsToTxn (24), the client versions (v0–3): adds partitions to a producer's transaction, beginning
/// it. Every partition must exist; otherwise the unknown ones get UNKNOWN_TOPIC_OR_PARTITION and the rest
/// OPERATION_NOT_ATTEMPTED, and nothing is added. v4+ is the brokers' batched form, which one broker never sends.
struct AddPartitionsToTxnHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...3

    let catalog: TopicCatalog
    let transactions: TransactionCoordinator

    func respond(_ request: AddPartitionsToTxnRequest, context: RequestContext) async
        -> AddPartitionsToTxnResponse
    {
        let topics = request.v3AndBelowTopics
        var unknown = Set<TransactionPartition>()
        var partitions = Set<TransactionPartition>()
        for topic in topics {
            let count = catalog.topic(topic.name)?.logs.count ?? 0
            for partition in topic.partitions {
                let key = TransactionPartition(topic: topic.name, partition: partition)
                if partition < 0 || partition >= count { unknown.insert(key) } else { partitions.insert(key) }
            }
        }
        func answer(_ code: (TransactionPartition) -> KafkaErrorCode) -> AddPartitionsToTxnResponse {
            var response = AddPartitionsToTxnResponse()
            response.resultsByTopicV3AndBelow = topics.map { topic in
                .init(name: topic.name, resultsByPartition: topic.partitions.map {
                    .init(partitionIndex: $0,
                          partitionErrorCode: code(TransactionPartition(topic: topic.name, partition: $0)).rawValue)
                })
            }
            return response
        }
        // WRITE on the transactional id, then on every topic: one refusal and nothing is added.
        if let denial = context.denial(.write, .transactionalId(request.v3AndBelowTransactionalId)) {
            return answer { _ in denial }
        }
        let denied = Set(topics.map(\.name).filter { !context.isAllowed(.write, .topic($0)) })
        if !denied.isEmpty {
            return answer { denied.contains($0.topic) ? .topicAuthorizationFailed : .operationNotAttempted }
        }
        if !unknown.isEmpty {
            return answer { unknown.contains($0) ? .unknownTopicOrPartition : .operationNotAttempted }
        }
        let code = await transactions.addPartitions(
            transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId,
            producerEpoch: request.v3AndBelowProducerEpoch, partitions: partitions, version: context.version)
        return answer { _ in code }
    }
}

/// AddOffsetsToTxn (25): the transaction will commit offsets of a group (TxnOffsetCommit follows). Kafka adds the
/// group's `__consumer_offsets` partition to the transaction; Spool keeps the group with the transaction and
/// commits its offsets in the metadata store when the transaction commits.
struct AddOffsetsToTxnHandler: KafkaResponseHandler {
    // v4+ belongs to KIP-890's transaction version 2, which Spool does not finalize.
    static let versions: ClosedRange<Int16> = 0...3

    let transactions: TransactionCoordinator

    func respond(_ request: AddOffsetsToTxnRequest, context: RequestContext) async -> AddOffsetsToTxnResponse {
        if let error = context.denial(.write, .transactionalId(request.transactionalId))
            ?? GroupRequests.refusal(request.groupId, .read, context: context)
        {
            return AddOffsetsToTxnResponse(errorCode: error.rawValue)
        }
        let code = await transactions.addOffsets(
            transactionalId: request.transactionalId, producerId: request.producerId,
            producerEpoch: request.producerEpoch, groupId: request.groupId, version: context.version)
        return AddOffsetsToTxnResponse(errorCode: code.rawValue)
    }
}

/// EndTxn (26): commits or aborts the producer's transaction. Answered once every marker is on disk and, on
/// commit, the transaction's offsets are committed.
struct EndTxnHandler: KafkaResponseHandler {
    // v5 is KIP-890's transaction version 2 (the epoch bumped at every end), which Spool does not finalize.
    static let versions: ClosedRange<Int16> = 0...4

    let transactions: TransactionCoordinator

    func respond(_ request: EndTxnRequest, context: RequestContext) async -> EndTxnResponse {
        if let denial = context.denial(.write, .transactionalId(request.transactionalId)) {
            return EndTxnResponse(errorCode: denial.rawValue, producerId: -1, producerEpoch: -1)
        }
        let code = await transactions.endTransaction(
            transactionalId: request.transactionalId, producerId: request.producerId,
            producerEpoch: request.producerEpoch, commit: request.committed, version: context.version)
        return EndTxnResponse(errorCode: code.rawValue, producerId: -1, producerEpoch: -1)
    }
}

/// TxnOffsetCommit (28): offsets a transaction commits for a group, visible only once it commits. v3+ (KIP-447)
/// carries the member's generation, checked as OffsetCommit checks it, so a consumer that lost its partitions
/// cannot commit for them.
struct TxnOffsetCommitHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...3

    let catalog: TopicCatalog
    let groups: GroupCoordinator
    let transactions: TransactionCoordinator

    func respond(_ request: TxnOffsetCommitRequest, context: RequestContext) async -> TxnOffsetCommitResponse {
        var code: KafkaErrorCode = context.denial(.write, .transactionalId(request.transactionalId))
            ?? GroupRequests.refusal(request.groupId, .read, context: context) ?? .none
        if code == .none, context.version >= 3, request.generationId >= 0 || !request.memberId.isEmpty {
            code = groups.commitError(
                groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
                generationId: request.generationId) ?? .none
        }
        let now = GroupCoordinator.wallClockMs()
        var unknown = Set<TransactionPartition>()
        var denied = Set<TransactionPartition>()
        var offsets: [PendingTransactionOffset] = []
        for topic in request.topics {
            let count = catalog.topic(topic.name)?.logs.count ?? 0
            let readable = context.isAllowed(.read, .topic(topic.name))
            for partition in topic.partitions {
                guard readable else {
                    denied.insert(TransactionPartition(topic: topic.name, partition: partition.partitionIndex))
                    continue
                }
                guard partition.partitionIndex >= 0, partition.partitionIndex < count else {
                    unknown.insert(TransactionPartition(topic: topic.name, partition: partition.partitionIndex))
                    continue
                }
                offsets.append(PendingTransactionOffset(groupId: request.groupId, committed: CommittedOffset(
                    topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset,
                    leaderEpoch: partition.committedLeaderEpoch, metadata: partition.committedMetadata,
                    commitTimestampMs: now)))
            }
        }
        if code == .none, !offsets.isEmpty {
            code = await transactions.commitOffsets(
                transactionalId: request.transactionalId, producerId: request.producerId,
                producerEpoch: request.producerEpoch, groupId: request.groupId, offsets: offsets)
        }
        var response = TxnOffsetCommitResponse()
        response.topics = request.topics.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map { partition in
                let key = TransactionPartition(topic: topic.name, partition: partition.partitionIndex)
                let own: KafkaErrorCode? = denied.contains(key) ? .topicAuthorizationFailed
                    : unknown.contains(key) ? .unknownTopicOrPartition : nil
                return .init(
                    partitionIndex: partition.partitionIndex,
                    errorCode: (code == .none ? own ?? code : code).rawValue)
            })
        }
        return response
    }
}
