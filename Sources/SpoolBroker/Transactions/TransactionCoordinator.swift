import Logging
import NIOConcurrencyHelpers
import SpoolMetadata
import SpoolProtocol

/// Writes a transaction's commit or abort markers to its partitions and returns once every one is on disk.
typealias TransactionMarkerWriter = @Sendable (
    _ producerId: Int64, _ producerEpoch: Int16, _ commit: Bool, _ partitions: Set<TransactionPartition>
) async throws -> Void

/// Kafka's transaction coordinator on one broker: per transactional id the producer id and epoch, the state
/// (Empty, Ongoing, PrepareCommit/Abort, CompleteCommit/Abort), the partitions and groups in the transaction and
/// the offsets it commits.
///
/// Every change is saved to the metadata store before it is answered or acted on. A state change that awaits the
/// store or the markers marks its id as transitioning; requests for that id meanwhile get CONCURRENT_TRANSACTIONS
/// (clients retry), as Kafka answers during a pending transition. Ending a transaction: save Prepare*, write every
/// marker and fsync it, then save Complete* together with the transaction's offsets (commit), so that after a
/// crash a Prepare* is finished by writing the markers again, and Complete* never exists without its markers.
///
/// Thread-safe: the state is behind a lock, which is never held across an await.
final class TransactionCoordinator: Sendable {
    struct Entry: Sendable {
        var stored: StoredTransaction
        /// A change of this id awaits the store or the markers.
        var transitioning = false
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var loaded = false
    }

    let store: any TransactionMetadataStore
    let settings: TransactionSettings
    let writeMarkers: TransactionMarkerWriter
    /// What produce checks transactional batches against (the partition layer's).
    let ongoing: OngoingTransactions
    let logger: Logger
    let clock: @Sendable () -> Int64
    let state = NIOLockedValueBox(State())
    let metrics = TransactionMetrics()

    init(store: any TransactionMetadataStore, settings: TransactionSettings, ongoing: OngoingTransactions,
         logger: Logger,
         clock: @escaping @Sendable () -> Int64 = GroupCoordinator.wallClockMs,
         writeMarkers: @escaping TransactionMarkerWriter)
    {
        self.store = store
        self.settings = settings
        self.ongoing = ongoing
        self.logger = logger
        self.clock = clock
        self.writeMarkers = writeMarkers
    }

    /// Reads every transactional id from the store. Until it has, requests get COORDINATOR_LOAD_IN_PROGRESS.
    /// Transactions left preparing are finished by the first sweep, open ones aborted once past their timeout.
    func load() async throws {
        let stored = try await store.transactions()
        state.withLockedValue { state in
            for transaction in stored {
                state.entries[transaction.transactionalId] = Entry(stored: transaction)
                if transaction.phase == .ongoing { ongoing.begin(transaction) }
            }
            state.loaded = true
        }
        logger.info("transaction coordinator loaded", metadata: ["transactionalIds": "\(stored.count)"])
    }

    /// A copy of every transactional id's state.
    var transactions: [StoredTransaction] {
        state.withLockedValue { $0.entries.values.map(\.stored) }
    }

    /// A copy of one transactional id's state, or nil.
    func transaction(_ transactionalId: String) -> StoredTransaction? {
        state.withLockedValue { $0.entries[transactionalId]?.stored }
    }

    /// The partitions with offsets a transaction will commit for `groupId` (OffsetFetch's require_stable).
    func pendingOffsetPartitions(groupId: String) -> Set<TransactionPartition> {
        state.withLockedValue { state in
            var pending = Set<TransactionPartition>()
            for entry in state.entries.values where entry.stored.groups.contains(groupId) {
                for offset in entry.stored.pendingOffsets where offset.groupId == groupId {
                    pending.insert(offset.partition)
                }
            }
            return pending
        }
    }

    // MARK: - Transitions

    /// What a request wants done with an id's state, decided under the lock.
    enum Decision {
        /// Answer this now; nothing changes.
        case answer(KafkaErrorCode)
        /// Save this state (the id is marked transitioning), then answer NONE.
        case save(StoredTransaction)
    }

    /// Decides under the lock, and when the decision is to save, saves and installs the new state.
    /// - Parameter holding: keep the id transitioning after the save (the caller goes on with it and ends the
    ///   transition).
    /// - Returns: the answer.
    func transition(_ transactionalId: String, holding: Bool = false, _ decide: (Entry?) -> Decision) async
        -> KafkaErrorCode
    {
        let decision: Decision = state.withLockedValue { state in
            guard state.loaded else { return .answer(.coordinatorLoadInProgress) }
            let entry = state.entries[transactionalId]
            if entry?.transitioning == true { return .answer(.concurrentTransactions) }
            let decision = decide(entry)
            if case .save = decision {
                // Every decision that saves was made on an existing entry.
                state.entries[transactionalId]?.transitioning = true
            }
            return decision
        }
        guard case .save(let updated) = decision else {
            if case .answer(let code) = decision { return code }
            return .none
        }
        do {
            try await store.saveTransaction(updated)
        } catch {
            logger.error(
                "saving a transaction's state failed",
                metadata: ["transactionalId": "\(transactionalId)", "error": "\(error)"])
            state.withLockedValue { $0.entries[transactionalId]?.transitioning = false }
            return .coordinatorNotAvailable
        }
        install(updated, transitioning: holding)
        return .none
    }

    /// Makes `stored` the id's state and ends its transition (unless `transitioning`).
    func install(_ stored: StoredTransaction, transitioning: Bool = false) {
        state.withLockedValue { state in
            state.entries[stored.transactionalId] = Entry(stored: stored, transitioning: transitioning)
        }
        if stored.phase == .ongoing { ongoing.begin(stored) } else { ongoing.end(stored.producerId) }
        metrics.open(ongoing.count)
    }

    /// Ends a transition without a change (after a failure).
    func abandonTransition(_ transactionalId: String) {
        state.withLockedValue { $0.entries[transactionalId]?.transitioning = false }
    }

    /// The error for a request of `producerId` and `producerEpoch` against `stored`, or nil when they are its own.
    static func producerError(_ stored: StoredTransaction, producerId: Int64, producerEpoch: Int16,
                              api: ApiKey, version: Int16) -> KafkaErrorCode?
    {
        if producerId != stored.producerId { return .invalidProducerIdMapping }
        if producerEpoch != stored.producerEpoch { return TransactionErrors.fenced(api, version: version) }
        return nil
    }
}

/// The open transactions by producer id, with their epoch and partitions: what Produce checks a transactional
/// batch against (Kafka's produce-side verification), so that a zombie's late batch cannot open a transaction no
/// marker will ever close. Thread-safe: a lock guards it.
final class OngoingTransactions: Sendable {
    private struct Open: Sendable {
        var epoch: Int16
        var partitions: Set<TransactionPartition>
    }

    private let open = NIOLockedValueBox<[Int64: Open]>([:])

    func begin(_ transaction: StoredTransaction) {
        open.withLockedValue {
            $0[transaction.producerId] = Open(epoch: transaction.producerEpoch, partitions: transaction.partitions)
        }
    }

    func end(_ producerId: Int64) {
        _ = open.withLockedValue { $0.removeValue(forKey: producerId) }
    }

    /// How many transactions are open.
    var count: Int { open.withLockedValue { $0.count } }

    /// Why a transactional batch of `producerId` at `epoch` may not be appended to `partition`, or nil.
    func refusal(producerId: Int64, epoch: Int16, partition: TransactionPartition) -> BrokerError? {
        let entry = open.withLockedValue { $0[producerId] }
        guard let entry else {
            return BrokerError(
                code: .invalidTxnState,
                message: "producer \(producerId) has no open transaction: call beginTransaction and let the "
                    + "producer add the partition (AddPartitionsToTxn) before producing to it")
        }
        if epoch < entry.epoch {
            return BrokerError(
                code: .invalidProducerEpoch,
                message: "producer \(producerId) epoch \(epoch) was fenced by epoch \(entry.epoch)")
        }
        guard epoch == entry.epoch, entry.partitions.contains(partition) else {
            return BrokerError(
                code: .invalidTxnState,
                message: "\(partition.topic)-\(partition.partition) is not in producer \(producerId)'s "
                    + "transaction at epoch \(epoch): add it with AddPartitionsToTxn first")
        }
        return nil
    }
}
