import SpoolProtocol

extension Admin {
    /// A transactional id as its transaction coordinator describes it (DescribeTransactions).
    public struct TransactionDescription: Sendable, Hashable {
        /// The transactional id.
        public var transactionalId: String
        /// The state, spelled as Kafka's: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit,
        /// CompleteAbort, Dead.
        public var state: String
        /// The producer's `transaction.timeout.ms`.
        public var timeoutMs: Int32
        /// When the open transaction began (ms since the epoch), or -1 when none is open.
        public var startTimeMs: Int64
        /// The producer id bound to the transactional id.
        public var producerId: Int64
        /// Its current epoch.
        public var producerEpoch: Int16
        /// The partitions in the transaction.
        public var partitions: [TopicPartition]
    }

    /// One transactional id in a listing (ListTransactions).
    public struct TransactionListing: Sendable, Hashable {
        /// The transactional id.
        public var transactionalId: String
        /// The producer id bound to it.
        public var producerId: Int64
        /// The state, spelled as Kafka's.
        public var state: String
    }

    /// What one partition remembers of one idempotent or transactional producer (DescribeProducers).
    public struct ProducerDescription: Sendable, Hashable {
        /// The topic-partition.
        public var partition: TopicPartition
        /// The producer id.
        public var producerId: Int64
        /// The newest epoch the partition saw from it.
        public var producerEpoch: Int32
        /// The sequence number of its last record, or -1.
        public var lastSequence: Int32
        /// When it last wrote (ms since the epoch), or -1 when the broker does not keep it.
        public var lastTimestampMs: Int64
        /// The first offset of its open transaction on the partition, or -1.
        public var currentTransactionStartOffset: Int64
    }

    /// The Kafka state names ListTransactions filters by.
    public static let transactionStates = [
        "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead",
    ]

    /// The broker that coordinates `transactionalId` (FindCoordinator with key type 1).
    /// - Throws: `SpoolClientError.kafka` (COORDINATOR_NOT_AVAILABLE, ...).
    public func transactionCoordinator(for transactionalId: String) async throws(SpoolClientError) -> Int32 {
        let response = try await client.send(maximumVersion: 3, as: FindCoordinatorResponse.self) { _ in
            FindCoordinatorRequest(key: transactionalId, keyType: 1)
        }
        guard response.errorCode == 0 else {
            throw .kafka(
                KafkaErrorCode(response.errorCode), "find the coordinator of transactional id \(transactionalId)",
                message: response.errorMessage)
        }
        let broker = ClusterMetadata.Broker(nodeId: response.nodeId, host: response.host, port: Int(response.port))
        await client.setBroker(response.nodeId, broker)
        return response.nodeId
    }

    /// Describes transactional ids: state, timeout, start time, producer id and epoch, partitions.
    /// - Parameter transactionalIds: the ids.
    /// - Returns: one description per id, in the order given.
    /// - Throws: `SpoolClientError.kafka` with the first id's error (TRANSACTIONAL_ID_NOT_FOUND, ...).
    public func describeTransactions(_ transactionalIds: [String]) async throws(SpoolClientError)
        -> [TransactionDescription]
    {
        var described: [TransactionDescription] = []
        for transactionalId in transactionalIds {
            let coordinator = try await transactionCoordinator(for: transactionalId)
            let response = try await client.send(
                to: coordinator, maximumVersion: 0, as: DescribeTransactionsResponse.self
            ) { _ in DescribeTransactionsRequest(transactionalIds: [transactionalId]) }
            guard let state = response.transactionStates.first(where: { $0.transactionalId == transactionalId })
            else { throw .protocolViolation("DescribeTransactions left out transactional id \(transactionalId)") }
            guard state.errorCode == 0 else {
                throw .kafka(KafkaErrorCode(state.errorCode), "describe transactional id \(transactionalId)")
            }
            described.append(TransactionDescription(
                transactionalId: transactionalId, state: state.transactionState,
                timeoutMs: state.transactionTimeoutMs, startTimeMs: state.transactionStartTimeMs,
                producerId: state.producerId, producerEpoch: state.producerEpoch,
                partitions: state.topics.flatMap { topic in topic.partitions.map { TopicPartition(topic.topic, $0) } }))
        }
        return described
    }

    /// Lists transactional ids, filtered as Kafka filters them.
    /// - Parameters:
    ///   - states: only these states (Kafka's names, see ``transactionStates``); empty for all.
    ///   - producerIds: only these producer ids; empty for all.
    ///   - minimumDurationMs: only transactions open longer than this; nil for all (needs ListTransactions v1).
    /// - Returns: the transactional ids, sorted.
    /// - Throws: `SpoolClientError.invalidArgument` for a state Kafka does not name or a duration filter the
    ///   broker cannot apply; `SpoolClientError.kafka` when the broker refuses.
    public func listTransactions(states: [String] = [], producerIds: [Int64] = [], minimumDurationMs: Int64? = nil)
        async throws(SpoolClientError) -> [TransactionListing]
    {
        for state in states where !Self.transactionStates.contains(state) {
            throw .invalidArgument(
                "unknown transaction state \(state): use one of \(Self.transactionStates.joined(separator: ", "))")
        }
        let response = try await client.send(maximumVersion: 1, as: ListTransactionsResponse.self) {
            version throws(SpoolClientError) in
            guard minimumDurationMs == nil || version >= 1 else {
                throw .invalidArgument("this broker cannot filter transactions by duration (ListTransactions v1)")
            }
            return ListTransactionsRequest(
                stateFilters: states, producerIdFilters: producerIds, durationFilter: minimumDurationMs ?? -1)
        }
        guard response.errorCode == 0 else { throw .kafka(KafkaErrorCode(response.errorCode), "list transactions") }
        return response.transactionStates.map {
            TransactionListing(
                transactionalId: $0.transactionalId, producerId: $0.producerId, state: $0.transactionState)
        }.sorted { $0.transactionalId < $1.transactionalId }
    }

    /// The idempotent and transactional producers the partitions' logs remember, asked of each partition's leader.
    /// - Parameter partitions: the partitions.
    /// - Returns: the producers, sorted by partition and producer id.
    /// - Throws: `SpoolClientError.kafka` with the first partition's error (UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func describeProducers(_ partitions: [TopicPartition]) async throws(SpoolClientError)
        -> [ProducerDescription]
    {
        var byLeader: [Int32: [TopicPartition]] = [:]
        for partition in partitions { byLeader[try await client.leader(of: partition), default: []].append(partition) }
        var described: [ProducerDescription] = []
        for (leader, wanted) in byLeader {
            let topics = Dictionary(grouping: wanted, by: \.topic).sorted { $0.key < $1.key }.map {
                DescribeProducersRequest.TopicRequest(name: $0.key, partitionIndexes: $0.value.map(\.partition))
            }
            let response = try await client.send(to: leader, maximumVersion: 0, as: DescribeProducersResponse.self) {
                _ in DescribeProducersRequest(topics: topics)
            }
            for topic in response.topics {
                for partition in topic.partitions {
                    let key = TopicPartition(topic.name, partition.partitionIndex)
                    guard partition.errorCode == 0 else {
                        throw .kafka(
                            KafkaErrorCode(partition.errorCode), "describe the producers of \(key)",
                            message: partition.errorMessage)
                    }
                    described += partition.activeProducers.map {
                        ProducerDescription(
                            partition: key, producerId: $0.producerId, producerEpoch: $0.producerEpoch,
                            lastSequence: $0.lastSequence, lastTimestampMs: $0.lastTimestamp,
                            currentTransactionStartOffset: $0.currentTxnStartOffset)
                    }
                }
            }
        }
        return described.sorted {
            ($0.partition.topic, $0.partition.partition, $0.producerId)
                < ($1.partition.topic, $1.partition.partition, $1.producerId)
        }
    }

    /// Aborts a transactional id's open transaction and fences its producer, as a new producer of the id would:
    /// InitProducerId with the id (and its own timeout) makes the coordinator bump the epoch, write abort markers
    /// and leave the id Empty. The old producer's next request fails with PRODUCER_FENCED; it must be closed.
    /// Kafka's `Admin.abortTransaction` is a different tool (markers for a hanging transaction of one partition).
    /// - Parameter transactionalId: the id.
    /// - Returns: the id as described after the abort.
    /// - Throws: `SpoolClientError.kafka(TRANSACTIONAL_ID_NOT_FOUND)`; `.invalidArgument` when no transaction
    ///   is open (aborting would only fence a healthy producer).
    public func abortTransaction(transactionalId: String) async throws(SpoolClientError) -> TransactionDescription {
        guard let current = try await describeTransactions([transactionalId]).first else {
            throw .protocolViolation("DescribeTransactions left out transactional id \(transactionalId)")
        }
        guard current.state == "Ongoing" else {
            throw .invalidArgument(
                "transactional id \(transactionalId) has no open transaction (state \(current.state)): "
                    + "nothing to abort")
        }
        let retried: Set<KafkaErrorCode> = [.concurrentTransactions, .coordinatorLoadInProgress, .notCoordinator]
        var attempts = 0
        while true {
            let coordinator = try await transactionCoordinator(for: transactionalId)
            let response = try await client.send(to: coordinator, maximumVersion: 4, as: InitProducerIdResponse.self) {
                _ in InitProducerIdRequest(transactionalId: transactionalId, transactionTimeoutMs: current.timeoutMs)
            }
            let code = KafkaErrorCode(response.errorCode)
            if code == .none { break }
            attempts += 1
            guard retried.contains(code), attempts < 20 else {
                throw .kafka(code, "abort the transaction of \(transactionalId)")
            }
            try? await Task.sleep(for: .milliseconds(client.configuration.retryBackoffMs))
        }
        guard let after = try await describeTransactions([transactionalId]).first else {
            throw .protocolViolation("DescribeTransactions left out transactional id \(transactionalId)")
        }
        return after
    }
}
