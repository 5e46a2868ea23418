import SpoolMetadata
import SpoolProtocol

extension TransactionCoordinator {
    /// The highest epoch handed out before a transactional id gets a new producer id (Kafka keeps the last one for
    /// the markers of a fence).
    static let lastUsableEpoch = Int16.max - 1

    /// InitProducerId with a transactional id: a producer id and a new epoch for it, which fences every older
    /// producer of the id. An open transaction is aborted first (its markers carry the bumped epoch, so that the
    /// zombie's batches are refused at the partitions too); one being ended gets CONCURRENT_TRANSACTIONS.
    /// - Parameters:
    ///   - transactionalId: the id, not empty.
    ///   - timeoutMs: the producer's `transaction.timeout.ms`.
    ///   - producerId: v3+: the id the producer has, or -1.
    ///   - producerEpoch: v3+: its epoch, or -1.
    ///   - version: the request version (for the fencing code).
    /// - Returns: an error code, the producer id and the epoch.
    func initProducerId(transactionalId: String, timeoutMs: Int32, producerId: Int64, producerEpoch: Int16,
                        version: Int16) async -> (KafkaErrorCode, Int64, Int16)
    {
        guard timeoutMs > 0, timeoutMs <= settings.maxTimeoutMs else { return (.invalidTransactionTimeout, -1, -1) }
        let now = clock()
        let current = transaction(transactionalId)
        if let current, current.phase == .ongoing {
            // Fence the producer that left it open; then go on as from an ended transaction.
            let code = await end(transactionalId, commit: false, fence: true)
            guard code == .none else { return (code, -1, -1) }
        }
        var newId = false
        let code = await transition(transactionalId) { entry in
            guard let stored = entry?.stored else {
                newId = true
                return .answer(.none)
            }
            if producerId >= 0, producerId != stored.producerId || producerEpoch != stored.producerEpoch,
               !(producerId == stored.previousProducerId && stored.producerEpoch == 0)
            {
                return .answer(TransactionErrors.fenced(.initProducerId, version: version))
            }
            guard stored.phase.isIdle || stored.phase == .dead else { return .answer(.concurrentTransactions) }
            var next = stored
            next.timeoutMs = timeoutMs
            next.phase = .empty
            next.startMs = -1
            next.lastUpdateMs = now
            next.partitions = []
            next.groups = []
            next.pendingOffsets = []
            if stored.producerEpoch >= Self.lastUsableEpoch {
                newId = true
                return .answer(.none)
            }
            next.producerEpoch = stored.producerEpoch + 1
            return .save(next)
        }
        guard code == .none else { return (code, -1, -1) }
        if newId { return await allocate(transactionalId, timeoutMs: timeoutMs, now: now) }
        guard let saved = transaction(transactionalId) else { return (.coordinatorNotAvailable, -1, -1) }
        return (.none, saved.producerId, saved.producerEpoch)
    }

    /// A new producer id for `transactionalId` (its first, or after its epochs ran out).
    private func allocate(_ transactionalId: String, timeoutMs: Int32, now: Int64) async
        -> (KafkaErrorCode, Int64, Int16)
    {
        var full = false
        let claimed: StoredTransaction? = state.withLockedValue { state in
            if state.entries[transactionalId]?.transitioning == true { return nil }
            let previous = state.entries[transactionalId]?.stored
            if previous == nil && state.entries.count >= settings.maximumIds {
                full = true
                return nil
            }
            let fresh = StoredTransaction(
                transactionalId: transactionalId, producerId: previous?.producerId ?? -1,
                producerEpoch: 0, timeoutMs: timeoutMs, lastUpdateMs: now)
            state.entries[transactionalId] = Entry(stored: previous ?? fresh, transitioning: true)
            return fresh
        }
        if full {
            // Retriable for clients: an id that expires makes room.
            logger.warning(
                "transactional id refused: transactional.id.max reached (raise it, or lower the expiration)",
                metadata: ["transactionalId": "\(transactionalId)"])
            return (.coordinatorNotAvailable, -1, -1)
        }
        guard let claimed else { return (.concurrentTransactions, -1, -1) }
        do {
            let saved = try await store.saveTransactionWithNewProducerId(claimed)
            install(saved)
            return (.none, saved.producerId, saved.producerEpoch)
        } catch {
            logger.error(
                "allocating a transactional producer id failed",
                metadata: ["transactionalId": "\(transactionalId)", "error": "\(error)"])
            state.withLockedValue { state in
                if state.entries[transactionalId]?.stored.producerId == -1 {
                    state.entries[transactionalId] = nil
                } else {
                    state.entries[transactionalId]?.transitioning = false
                }
            }
            return (.coordinatorNotAvailable, -1, -1)
        }
    }

    /// AddPartitionsToTxn (v0–3): adds partitions to the producer's transaction, beginning it when none is open.
    /// The caller has checked that the partitions exist.
    func addPartitions(transactionalId: String, producerId: Int64, producerEpoch: Int16,
                       partitions: Set<TransactionPartition>, version: Int16) async -> KafkaErrorCode
    {
        let now = clock()
        return await transition(transactionalId) { entry in
            begin(entry, producerId: producerId, producerEpoch: producerEpoch, api: .addPartitionsToTxn,
                  version: version, now: now) { $0.partitions.formUnion(partitions) }
        }
    }

    /// AddOffsetsToTxn: the transaction will commit offsets of `groupId`.
    func addOffsets(transactionalId: String, producerId: Int64, producerEpoch: Int16, groupId: String,
                    version: Int16) async -> KafkaErrorCode
    {
        let now = clock()
        return await transition(transactionalId) { entry in
            begin(entry, producerId: producerId, producerEpoch: producerEpoch, api: .addOffsetsToTxn,
                  version: version, now: now) { $0.groups.insert(groupId) }
        }
    }

    /// The decision for an AddPartitionsToTxn or AddOffsetsToTxn: `add` applied to an open transaction, or to a
    /// new one; nothing saved when it adds nothing (clients resend).
    private func begin(_ entry: Entry?, producerId: Int64, producerEpoch: Int16, api: ApiKey, version: Int16,
                       now: Int64, add: (inout StoredTransaction) -> Void) -> Decision
    {
        guard let stored = entry?.stored else { return .answer(.invalidProducerIdMapping) }
        if let error = Self.producerError(
            stored, producerId: producerId, producerEpoch: producerEpoch, api: api, version: version)
        {
            return .answer(error)
        }
        if stored.phase.isPreparing { return .answer(.concurrentTransactions) }
        guard stored.phase == .ongoing || stored.phase.isIdle else { return .answer(.invalidTxnState) }
        var next = stored
        if stored.phase != .ongoing {
            next.phase = .ongoing
            next.startMs = now
            next.partitions = []
            next.groups = []
            next.pendingOffsets = []
        }
        add(&next)
        if next == stored { return .answer(.none) }
        next.lastUpdateMs = now
        return .save(next)
    }

    /// TxnOffsetCommit: stages offsets the transaction commits for `groupId` (added with AddOffsetsToTxn). They are
    /// committed when the transaction commits and dropped when it aborts.
    /// - Returns: one code for every offset (the checks are per request).
    func commitOffsets(transactionalId: String, producerId: Int64, producerEpoch: Int16, groupId: String,
                       offsets: [PendingTransactionOffset]) async -> KafkaErrorCode
    {
        let now = clock()
        return await transition(transactionalId) { entry in
            guard let stored = entry?.stored else { return .answer(.invalidProducerIdMapping) }
            if let error = Self.producerError(
                stored, producerId: producerId, producerEpoch: producerEpoch, api: .txnOffsetCommit, version: 0)
            {
                return .answer(error)
            }
            guard stored.phase == .ongoing, stored.groups.contains(groupId) else {
                return .answer(stored.phase.isPreparing ? .concurrentTransactions : .invalidTxnState)
            }
            var next = stored
            let replaced = Set(offsets.map(\.partition))
            next.pendingOffsets.removeAll { $0.groupId == groupId && replaced.contains($0.partition) }
            next.pendingOffsets.append(contentsOf: offsets)
            next.lastUpdateMs = now
            return .save(next)
        }
    }

    /// EndTxn: commits or aborts the open transaction. Answered once the markers are on disk and the state is
    /// complete (the offsets committed), so a client that reads next sees the outcome.
    func endTransaction(transactionalId: String, producerId: Int64, producerEpoch: Int16, commit: Bool,
                        version: Int16) async -> KafkaErrorCode
    {
        guard let stored = transaction(transactionalId) else {
            return state.withLockedValue { $0.loaded } ? .invalidProducerIdMapping : .coordinatorLoadInProgress
        }
        if let error = Self.producerError(
            stored, producerId: producerId, producerEpoch: producerEpoch, api: .endTxn, version: version)
        {
            return error
        }
        switch stored.phase {
        case .ongoing:
            return await end(transactionalId, commit: commit, fence: false)
        case .completeCommit:
            return commit ? .none : .invalidTxnState
        case .completeAbort:
            return commit ? .invalidTxnState : .none
        case .empty:
            // librdkafka ends an empty transaction with an abort; there is nothing to mark.
            return commit ? .invalidTxnState : .none
        case .prepareCommit, .prepareAbort:
            return (stored.phase == .prepareCommit) == commit ? .concurrentTransactions : .invalidTxnState
        case .dead:
            return .invalidProducerIdMapping
        }
    }
}
