import NIOCore
import SpoolProtocol

/// A share group consumer (KIP-932, Kafka 4.1): members of one share group take records from the same
/// partitions, each record acquired by one member at a time; a record is acknowledged as accepted (done),
/// released (delivered again, to any member) or rejected (never delivered again), and a record whose member
/// dies or whose acquisition lock expires is delivered again. It is the point-to-point queue on a Kafka log.
///
/// `subscribe` names the topics; `poll` (or `records`, the same as an `AsyncSequence`) joins the group with
/// ShareGroupHeartbeat on the first call and then returns the records each ShareFetch acquired. The member id is
/// a random UUID this consumer makes, as KIP-932 clients do. Acknowledgements (`acknowledge(_:as:)`, or
/// `accept()`, `release()`, `reject()` on a record) are sent with the next ShareFetch, or at once by `commit()`
/// (ShareAcknowledge), which returns each partition's outcome. In `.implicit` mode (the default, as librdkafka's
/// `share.acknowledgement.mode`) a record the caller did not acknowledge is accepted when the next batch is
/// requested; in `.explicit` mode it stays acquired until it is acknowledged, its lock expires or the consumer closes.
/// `close()` sends what was acknowledged, closes the share session (the broker releases every record this
/// consumer still holds, so other members get them at once) and leaves the group.
///
/// Close it (or run it as a `Service`): once joined, its heartbeat task keeps it alive and in the group until then.
///
/// An actor: safe to share between tasks. One ShareFetch or ShareAcknowledge per leader is in flight at a time,
/// because both carry the share session's epoch.
public actor ShareConsumer {
    /// The consumer's settings.
    public nonisolated let configuration: ShareConsumerConfiguration
    /// The member id this consumer made for itself (22 base64url characters of a random UUID).
    public nonisolated let memberId: String
    let client: KafkaClient
    let ownsClient: Bool
    var topics: [String] = []
    /// The member epoch: 0 until the coordinator accepts the join (and again when it forgets this member).
    var memberEpoch: Int32 = 0
    var coordinator: Int32?
    var heartbeat: Task<Void, Never>?
    var heartbeatIntervalMs: Int64
    var assignment: [TopicPartition] = []
    var topicIds: [String: KafkaUUID] = [:]
    var topicNames: [KafkaUUID: String] = [:]
    /// Per leader, the share session: the epoch the next request carries (0 opens one) and its partitions.
    var sessions: [Int32: ShareSession] = [:]
    /// Records delivered to the caller and not acknowledged yet.
    var held: [TopicPartition: Set<Int64>] = [:]
    /// Acknowledgements made and not sent yet.
    var pending: [TopicPartition: PendingAcknowledgements] = [:]
    /// Outcomes of acknowledgements sent since the last `commit()` returned them.
    var outcomes: [TopicPartition: Result<Void, SpoolClientError>] = [:]
    var fatal: SpoolClientError?
    var isClosed = false
    private var exchangeBusy = false
    private var exchangeWaiters: [CheckedContinuation<Void, Never>] = []

    struct ShareSession {
        var epoch: Int32 = 0
        var partitions: Set<TopicPartition> = []
    }

    /// Makes a share consumer over an existing client.
    /// - Parameters:
    ///   - client: the client to talk through; the consumer does not close it.
    ///   - configuration: the share group, acknowledgement mode and fetch sizes.
    public init(client: KafkaClient, configuration: ShareConsumerConfiguration) {
        self.client = client
        self.configuration = configuration
        self.ownsClient = false
        self.memberId = KafkaUUID.randomMemberId()
        self.heartbeatIntervalMs = configuration.heartbeatIntervalMs
    }

    /// Makes a share consumer with its own client, closed with the consumer.
    /// - Parameters:
    ///   - client: bootstrap servers and timeouts.
    ///   - configuration: the share group, acknowledgement mode and fetch sizes.
    public init(client: ClientConfiguration, configuration: ShareConsumerConfiguration) {
        self.client = KafkaClient(configuration: client)
        self.configuration = configuration
        self.ownsClient = true
        self.memberId = KafkaUUID.randomMemberId()
        self.heartbeatIntervalMs = configuration.heartbeatIntervalMs
    }

    /// Subscribes the member to these topics; the group assigns it every partition of them (share groups
    /// share records, not partitions). The join happens in the next `poll`.
    /// - Parameter topics: the topics to consume.
    /// - Throws: `SpoolClientError.invalidArgument` for an empty list, `.closed` after `close()`.
    public func subscribe(_ topics: [String]) throws(SpoolClientError) {
        guard !isClosed else { throw .closed }
        guard !topics.isEmpty, !topics.contains(where: \.isEmpty) else {
            throw .invalidArgument("subscribe needs at least one topic name, and no empty name")
        }
        self.topics = topics
        memberEpoch = 0  // a join (epoch 0) carries the new subscription
    }

    /// The partitions the group assigned to this member now.
    public var assigned: [TopicPartition] { assignment }

    /// Waits up to `timeoutMs` for records and returns what the next ShareFetch acquired (possibly nothing).
    /// In implicit mode, first accepts what the previous polls delivered and the caller left unacknowledged.
    /// - Parameter timeoutMs: how long to wait for at least one record.
    /// - Returns: acquired records, in offset order per partition.
    /// - Throws: `SpoolClientError`: `.closed`; `.kafka` for errors the consumer cannot recover from (e.g.
    ///   GROUP_MAX_SIZE_REACHED on join); `.timedOut` when the join takes longer than `joinTimeoutMs`.
    public func poll(timeoutMs: Int64 = 1_000) async throws(SpoolClientError) -> [ShareConsumerRecord] {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        repeat {
            guard !isClosed else { throw .closed }
            if let fatal { throw fatal }
            try await ensureJoined()
            if configuration.acknowledgementMode == .implicit { acknowledgeHeld(as: .accept) }
            guard !assignment.isEmpty else {
                try? await Task.sleep(for: .milliseconds(min(timeoutMs, 100)))
                continue
            }
            let remainingMs = max(0, Int64((deadline - ContinuousClock.now) / .milliseconds(1)))
            let waitMs = Int32(clamping: min(Int64(configuration.fetchMaxWaitMs), remainingMs))
            let records = try await exchange { () async throws(SpoolClientError) in
                try await self.fetchRound(maxWaitMs: waitMs)
            }
            if !records.isEmpty { return records }
        } while ContinuousClock.now < deadline
        return []
    }

    /// The acquired records as an endless sequence (it ends when the consumer closes).
    public nonisolated var records: ShareConsumerRecords { ShareConsumerRecords(consumer: self) }

    /// Acknowledges a delivered record; the acknowledgement travels with the next ShareFetch or `commit()`.
    /// - Parameters:
    ///   - record: a record `poll` returned.
    ///   - type: accept, release or reject.
    /// - Throws: `SpoolClientError.invalidArgument` when this consumer does not hold the record (acknowledged
    ///   already, or its delivery ended: the consumer rejoined or closed).
    public func acknowledge(_ record: ShareConsumerRecord, as type: AcknowledgeType) throws(SpoolClientError) {
        let partition = TopicPartition(record.topic, record.partition)
        guard held[partition]?.remove(record.offset) != nil else {
            throw .invalidArgument(
                "\(partition) offset \(record.offset) is not held by this share consumer: it was acknowledged "
                    + "already, or its delivery ended; acknowledge each record of the latest polls once")
        }
        pending[partition, default: .init()].entries.append((record.offset, type.rawValue))
    }

    /// Acknowledges several delivered records the same way (one actor call for a whole batch).
    /// - Parameters:
    ///   - records: records `poll` returned.
    ///   - type: accept, release or reject.
    /// - Throws: as `acknowledge(_:as:)`, at the first record not held; the ones before it count.
    public func acknowledge(_ records: [ShareConsumerRecord], as type: AcknowledgeType) throws(SpoolClientError) {
        for record in records { try acknowledge(record, as: type) }
    }

    /// Sends the acknowledgements made so far with ShareAcknowledge (in implicit mode, after accepting every
    /// delivered record not acknowledged yet) and returns, per partition, the outcome of every acknowledgement
    /// sent since the last `commit()`, including those that rode on ShareFetch requests.
    /// - Returns: per partition, success or the broker's error (e.g. INVALID_RECORD_STATE for a record whose
    ///   lock expired before the acknowledgement arrived, SHARE_SESSION_NOT_FOUND when the session was lost).
    /// - Throws: `SpoolClientError.closed`.
    @discardableResult
    public func commit() async throws(SpoolClientError) -> [TopicPartition: Result<Void, SpoolClientError>] {
        guard !isClosed else { throw .closed }
        if configuration.acknowledgementMode == .implicit { acknowledgeHeld(as: .accept) }
        try await exchange { () async throws(SpoolClientError) in await self.sendAcknowledgements(closing: false) }
        defer { outcomes.removeAll() }
        return outcomes
    }

    /// Sends what was acknowledged, closes the share sessions (the broker releases the records this consumer
    /// still holds: in implicit mode too, a record whose processing may not have finished is not accepted on the
    /// caller's behalf), leaves the group and closes the client when the consumer made it. Idempotent.
    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        heartbeat?.cancel()
        heartbeat = nil
        try? await exchange { () async throws(SpoolClientError) in await self.sendAcknowledgements(closing: true) }
        held.removeAll()
        await leaveGroup()
        if ownsClient { await client.close() }
    }

    /// Marks every held record acknowledged as `type` (implicit acceptance).
    func acknowledgeHeld(as type: AcknowledgeType) {
        for (partition, offsets) in held where !offsets.isEmpty {
            var acknowledgements = pending[partition] ?? .init()
            acknowledgements.entries.reserveCapacity(acknowledgements.entries.count + offsets.count)
            for offset in offsets { acknowledgements.entries.append((offset, type.rawValue)) }
            pending[partition] = acknowledgements
        }
        held.removeAll(keepingCapacity: true)
    }

    /// Records an outcome; a failure is kept over a later success for the same partition.
    func report(_ partition: TopicPartition, _ outcome: Result<Void, SpoolClientError>) {
        if case .failure = outcomes[partition] { return }
        outcomes[partition] = outcome
    }

    /// Runs `body` as the only ShareFetch/ShareAcknowledge exchange in progress: the session epoch allows one.
    func exchange<T>(_ body: () async throws(SpoolClientError) -> T) async throws(SpoolClientError) -> T {
        if exchangeBusy {
            await withCheckedContinuation { exchangeWaiters.append($0) }
        } else {
            exchangeBusy = true
        }
        defer {
            if exchangeWaiters.isEmpty { exchangeBusy = false } else { exchangeWaiters.removeFirst().resume() }
        }
        return try await body()
    }
}
