/// The states of a transactional id, spelled as Kafka's `TransactionState` names them (DescribeTransactions
/// and ListTransactions send these names).
public enum TransactionPhase: String, Sendable, Codable, CaseIterable {
    /// No transaction open: after InitProducerId, or after the last one completed and was forgotten.
    case empty = "Empty"
    /// Partitions or a group were added; records may be in the logs.
    case ongoing = "Ongoing"
    /// EndTxn(commit) was accepted: commit markers are being written.
    case prepareCommit = "PrepareCommit"
    /// EndTxn(abort), a fence or a timeout: abort markers are being written.
    case prepareAbort = "PrepareAbort"
    /// Every commit marker is on disk and the transaction's offsets are committed.
    case completeCommit = "CompleteCommit"
    /// Every abort marker is on disk.
    case completeAbort = "CompleteAbort"
    /// Expired; about to be deleted.
    case dead = "Dead"

    /// Whether markers are being written (a transition no request may interleave with).
    public var isPreparing: Bool { self == .prepareCommit || self == .prepareAbort }
    /// Whether a new transaction may begin (Empty or Complete*).
    public var isIdle: Bool { self == .empty || self == .completeCommit || self == .completeAbort }
}

/// One partition of a transaction.
public struct TransactionPartition: Sendable, Hashable, Codable, Comparable {
    /// The topic name.
    public var topic: String
    /// The partition index.
    public var partition: Int32

    /// - Parameters:
    ///   - topic: the topic name.
    ///   - partition: the partition index.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// An offset a transaction commits for a group (TxnOffsetCommit): committed only when the transaction commits.
public struct PendingTransactionOffset: Sendable, Equatable, Codable {
    /// The group the offset is for.
    public var groupId: String
    /// The offset as it will be committed.
    public var committed: CommittedOffset

    /// - Parameters:
    ///   - groupId: the group the offset is for.
    ///   - committed: the offset as it will be committed.
    public init(groupId: String, committed: CommittedOffset) {
        self.groupId = groupId
        self.committed = committed
    }

    /// The partition the offset is for.
    public var partition: TransactionPartition {
        TransactionPartition(topic: committed.topic, partition: committed.partition)
    }
}

/// What the transaction coordinator keeps of one transactional id, durably.
public struct StoredTransaction: Sendable, Equatable {
    /// The transactional id the producer configured.
    public var transactionalId: String
    /// The producer id bound to it.
    public var producerId: Int64
    /// The current epoch; a producer with an older one is a zombie.
    public var producerEpoch: Int16
    /// The producer id it had before its epoch ran out, or -1 (KIP-360: the client may still present it).
    public var previousProducerId: Int64
    /// How long a transaction may stay open before the coordinator aborts it.
    public var timeoutMs: Int32
    /// The state.
    public var phase: TransactionPhase
    /// When the current transaction began (its first AddPartitionsToTxn or AddOffsetsToTxn), or -1.
    public var startMs: Int64
    /// When the state last changed.
    public var lastUpdateMs: Int64
    /// The partitions the transaction wrote to (or may have).
    public var partitions: Set<TransactionPartition>
    /// The groups whose offsets it commits.
    public var groups: Set<String>
    /// The offsets it commits, made visible when it commits.
    public var pendingOffsets: [PendingTransactionOffset]

    /// - Parameters: as the properties; a new id starts Empty with nothing in it.
    public init(transactionalId: String, producerId: Int64, producerEpoch: Int16, previousProducerId: Int64 = -1,
                timeoutMs: Int32, phase: TransactionPhase = .empty, startMs: Int64 = -1, lastUpdateMs: Int64,
                partitions: Set<TransactionPartition> = [], groups: Set<String> = [],
                pendingOffsets: [PendingTransactionOffset] = [])
    {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.previousProducerId = previousProducerId
        self.timeoutMs = timeoutMs
        self.phase = phase
        self.startMs = startMs
        self.lastUpdateMs = lastUpdateMs
        self.partitions = partitions
        self.groups = groups
        self.pendingOffsets = pendingOffsets
    }
}

/// The transaction coordinator's state, durably. Thread-safe; every write is durable when its call returns.
public protocol TransactionMetadataStore: Sendable {
    /// Every stored transactional id.
    /// - Throws: ``MetadataError`` `.storage`.
    func transactions() async throws -> [StoredTransaction]

    /// Inserts or replaces a transactional id's row.
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func saveTransaction(_ transaction: StoredTransaction) async throws

    /// Gives `transaction` a new producer id (epoch 0, the old id kept as the previous one when it had one) and
    /// saves it, in one database transaction, so an id is never handed out twice.
    /// - Returns: the transaction as saved.
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func saveTransactionWithNewProducerId(_ transaction: StoredTransaction) async throws -> StoredTransaction

    /// Saves a completed transaction and, when `commitOffsets`, commits its pending offsets to their groups, in one
    /// database transaction: the offsets become visible exactly when the transaction is complete. Offsets of
    /// partitions deleted since are dropped.
    /// - Parameters:
    ///   - transaction: the transaction, in CompleteCommit or CompleteAbort, its pending offsets still set.
    ///   - commitOffsets: whether to commit them (a commit) or drop them (an abort).
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func completeTransaction(_ transaction: StoredTransaction, commitOffsets: Bool) async throws

    /// Deletes a transactional id (expired).
    /// - Throws: ``MetadataError`` `.storage`.
    func deleteTransaction(_ transactionalId: String) async throws
}
