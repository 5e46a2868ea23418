import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// DescribeTransactions (65): each transactional id's state as the coordinator holds it, its state named as
/// Kafka's `TransactionState` names it. The start time is -1 unless a transaction is open (Ongoing or being
/// ended); an id the coordinator does not know gets TRANSACTIONAL_ID_NOT_FOUND.
struct DescribeTransactionsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let transactions: TransactionCoordinator

    func respond(_ request: DescribeTransactionsRequest, context: RequestContext) -> DescribeTransactionsResponse {
        var response = DescribeTransactionsResponse()
        response.transactionStates = request.transactionalIds.map { id in
            if let denial = context.denial(.describe, .transactionalId(id)) {
                return .init(errorCode: denial.rawValue, transactionalId: id, transactionState: "",
                             transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1)
            }
            // A producer id below 0 is the stand-in of an id whose first state is still being saved.
            guard let stored = transactions.transaction(id), stored.phase != .dead, stored.producerId >= 0 else {
                return .init(errorCode: KafkaErrorCode.transactionalIdNotFound.rawValue, transactionalId: id,
                             transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1,
                             producerId: -1, producerEpoch: -1)
            }
            let open = stored.phase == .ongoing || stored.phase.isPreparing
            let byTopic = Dictionary(grouping: stored.partitions, by: \.topic)
            return .init(
                transactionalId: id, transactionState: stored.phase.rawValue, transactionTimeoutMs: stored.timeoutMs,
                transactionStartTimeMs: open ? stored.startMs : -1, producerId: stored.producerId,
                producerEpoch: stored.producerEpoch,
                topics: byTopic.keys.sorted().map { topic in
                    .init(topic: topic, partitions: (byTopic[topic] ?? []).map(\.partition).sorted())
                })
        }
        return response
    }
}

/// ListTransactions (66): the coordinator's transactional ids with their producer id and state, filtered as Kafka
/// filters them: by state name (names Kafka does not know are returned in `unknownStateFilters` and match
/// nothing), by producer id and, from v1, to transactions open longer than `durationFilter` ms (-1: no filter).
struct ListTransactionsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...1

    let transactions: TransactionCoordinator

    func respond(_ request: ListTransactionsRequest, context: RequestContext) -> ListTransactionsResponse {
        var response = ListTransactionsResponse()
        var states = Set<TransactionPhase>()
        for name in request.stateFilters {
            if let phase = TransactionPhase(rawValue: name) {
                states.insert(phase)
            } else {
                response.unknownStateFilters.append(name)
            }
        }
        let producerIds = Set(request.producerIdFilters)
        let minimumDurationMs = context.version >= 1 ? request.durationFilter : -1
        let now = transactions.clock()
        let listed = transactions.transactions.filter { stored in
            guard stored.phase != .dead, stored.producerId >= 0,
                  context.isAllowed(.describe, .transactionalId(stored.transactionalId), quietly: true)
            else { return false }
            if !request.stateFilters.isEmpty, !states.contains(stored.phase) { return false }
            if !producerIds.isEmpty, !producerIds.contains(stored.producerId) { return false }
            if minimumDurationMs >= 0 {
                let open = stored.phase == .ongoing || stored.phase.isPreparing
                guard open, stored.startMs >= 0, now - stored.startMs > minimumDurationMs else { return false }
            }
            return true
        }
        response.transactionStates = listed.sorted { $0.transactionalId < $1.transactionalId }.map {
            .init(transactionalId: $0.transactionalId, producerId: $0.producerId, transactionState: $0.phase.rawValue)
        }
        return response
    }
}

/// DescribeProducers (61): per partition the idempotent and transactional producers its log remembers, with
/// epoch and last sequence. Spool keeps neither a producer's last timestamp nor a coordinator epoch (one broker),
/// so both are -1, and so is the open transaction's first offset until the log exposes it.
struct DescribeProducersHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let catalog: TopicCatalog

    func respond(_ request: DescribeProducersRequest, context: RequestContext) -> DescribeProducersResponse {
        var response = DescribeProducersResponse()
        response.topics = request.topics.map { topic in
            let entry = catalog.topic(topic.name)
            let denial = context.denial(.read, .topic(topic.name))
            return .init(name: topic.name, partitions: topic.partitionIndexes.map { index in
                if let denial { return .init(partitionIndex: index, errorCode: denial.rawValue) }
                guard let log = entry?.log(index) else {
                    return .init(
                        partitionIndex: index, errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue,
                        errorMessage: "\(topic.name)-\(index) does not exist: check the topic name and its "
                            + "partition count (spool topic describe)")
                }
                if let reason = log.offline {
                    return .init(partitionIndex: index, errorCode: KafkaErrorCode.kafkaStorageError.rawValue,
                                 errorMessage: "\(topic.name)-\(index) is offline: \(reason)")
                }
                return .init(partitionIndex: index, activeProducers: log.activeProducers.map {
                    .init(producerId: $0.producerId, producerEpoch: Int32($0.producerEpoch),
                          lastSequence: $0.lastSequence, lastTimestamp: $0.lastTimestampMs,
                          coordinatorEpoch: $0.coordinatorEpoch,
                          currentTxnStartOffset: $0.currentTransactionStartOffset)
                })
            })
        }
        return response
    }
}
