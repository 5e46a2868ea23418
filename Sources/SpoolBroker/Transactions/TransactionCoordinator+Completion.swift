import SpoolMetadata
import SpoolProtocol

extension TransactionCoordinator {
    /// Ends the open transaction of `transactionalId`: saves Prepare*, writes the markers, saves Complete* (with the
    /// offsets, on commit). With `fence` the epoch is bumped first, so the markers and every later request of the
    /// old producer carry a stale epoch.
    /// - Returns: NONE once complete; CONCURRENT_TRANSACTIONS while another change runs; COORDINATOR_NOT_AVAILABLE
    ///   when the store failed (nothing changed); when the markers fail the transaction stays preparing and the
    ///   sweep finishes it (the answer is still NONE: the outcome is decided and durable, as Kafka answers once
    ///   PrepareCommit is written).
    func end(_ transactionalId: String, commit: Bool, fence: Bool) async -> KafkaErrorCode {
        let now = clock()
        let code = await transition(transactionalId, holding: true) { entry in
            guard let stored = entry?.stored, stored.phase == .ongoing else { return .answer(.invalidTxnState) }
            var next = stored
            next.phase = commit ? .prepareCommit : .prepareAbort
            next.lastUpdateMs = now
            if fence {
                // The fence needs an epoch above every one the old producer used; Kafka keeps the last one for it.
                next.producerEpoch = stored.producerEpoch < Int16.max ? stored.producerEpoch + 1 : stored.producerEpoch
            }
            return .save(next)
        }
        guard code == .none else { return code }
        return await complete(transactionalId, held: true)
    }

    /// Writes the markers of a preparing transaction and saves it complete.
    /// - Returns: NONE (also when the markers fail: the sweep retries), COORDINATOR_NOT_AVAILABLE when it was not
    ///   preparing or another change runs.
    /// - Parameter held: the caller holds the id's transition (it saved Prepare* just now).
    @discardableResult
    func complete(_ transactionalId: String, held: Bool = false) async -> KafkaErrorCode {
        let claimed: StoredTransaction? = state.withLockedValue { state in
            guard let entry = state.entries[transactionalId], entry.stored.phase.isPreparing,
                  held || !entry.transitioning
            else { return nil }
            state.entries[transactionalId]?.transitioning = true
            return entry.stored
        }
        guard let preparing = claimed else { return .concurrentTransactions }
        let commit = preparing.phase == .prepareCommit
        do {
            try await writeMarkers(preparing.producerId, preparing.producerEpoch, commit, preparing.partitions)
        } catch {
            logger.error(
                "writing transaction markers failed; the transaction stays \(preparing.phase.rawValue) and is retried",
                metadata: ["transactionalId": "\(transactionalId)", "error": "\(error)"])
            metrics.markersFailed()
            abandonTransition(transactionalId)
            return .none
        }
        var completed = preparing
        completed.phase = commit ? .completeCommit : .completeAbort
        completed.lastUpdateMs = clock()
        do {
            try await store.completeTransaction(completed, commitOffsets: commit)
        } catch {
            logger.error(
                "saving a completed transaction failed; it stays \(preparing.phase.rawValue) and is retried",
                metadata: ["transactionalId": "\(transactionalId)", "error": "\(error)"])
            abandonTransition(transactionalId)
            return .none
        }
        completed.pendingOffsets = []
        install(completed)
        metrics.ended(commit: commit)
        return .none
    }

    /// One pass of the timeout sweep: finishes transactions left preparing (a crash, a failed marker write), aborts
    /// open ones past their timeout (fencing their producer), and deletes ids idle longer than
    /// `transactional.id.expiration.ms`.
    func sweep() async {
        let now = clock()
        let due: [(id: String, action: SweepAction)] = state.withLockedValue { state in
            guard state.loaded else { return [] }
            return state.entries.compactMap { id, entry in
                guard !entry.transitioning else { return nil }
                let stored = entry.stored
                if stored.phase.isPreparing { return (id, .finish) }
                if stored.phase == .ongoing, now > stored.startMs + Int64(stored.timeoutMs) { return (id, .abort) }
                if stored.phase.isIdle || stored.phase == .dead, now > stored.lastUpdateMs + settings.idExpirationMs {
                    return (id, .expire)
                }
                return nil
            }
        }
        for (id, action) in due {
            switch action {
            case .finish:
                await complete(id)
            case .abort:
                logger.info("aborting a transaction past its timeout", metadata: ["transactionalId": "\(id)"])
                metrics.timeout()
                _ = await end(id, commit: false, fence: true)
            case .expire:
                await expire(id, now: now)
            }
        }
    }

    enum SweepAction { case finish, abort, expire }

    private func expire(_ transactionalId: String, now: Int64) async {
        let claimed = state.withLockedValue { state -> Bool in
            guard let entry = state.entries[transactionalId], !entry.transitioning,
                  entry.stored.phase.isIdle || entry.stored.phase == .dead,
                  now > entry.stored.lastUpdateMs + settings.idExpirationMs
            else { return false }
            state.entries[transactionalId]?.transitioning = true
            return true
        }
        guard claimed else { return }
        do {
            try await store.deleteTransaction(transactionalId)
            state.withLockedValue { _ = $0.entries.removeValue(forKey: transactionalId) }
        } catch {
            logger.warning(
                "deleting an expired transactional id failed",
                metadata: ["transactionalId": "\(transactionalId)", "error": "\(error)"])
            abandonTransition(transactionalId)
        }
    }
}
