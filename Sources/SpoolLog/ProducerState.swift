/// One appended batch of an idempotent producer, as remembered for de-duplication.
struct ProducerBatch: Equatable, Sendable {
    var firstSequence: Int32
    var lastSequence: Int32
    var firstOffset: Int64
    var lastOffset: Int64
}

/// What the log knows of one idempotent producer on one partition: its epoch and its last five batches, and for a
/// transactional producer the coordinator epoch of its last marker.
struct ProducerEntry: Equatable, Sendable {
    var epoch: Int16
    var batches: [ProducerBatch]
    /// The coordinator epoch of the last marker written for this producer, or -1.
    var coordinatorEpoch: Int32 = -1
    /// When the producer last wrote here (a batch's max timestamp or a marker's time), or -1.
    var lastTimestampMs: Int64 = -1
}

/// An aborted transaction, as the `.txnindex` keeps it (Kafka's AbortedTxn): its producer, its first offset, the
/// abort marker's offset, and the last stable offset once the marker was written.
public struct AbortedTransaction: Equatable, Sendable {
    /// The producer whose transaction was aborted.
    public var producerId: Int64
    /// The transaction's first offset on this partition.
    public var firstOffset: Int64
    /// The abort marker's offset.
    public var lastOffset: Int64
    /// The last stable offset after the marker.
    public var lastStableOffset: Int64

    public init(producerId: Int64, firstOffset: Int64, lastOffset: Int64, lastStableOffset: Int64) {
        self.producerId = producerId
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.lastStableOffset = lastStableOffset
    }
}

/// The idempotent-producer bookkeeping of one partition, as Kafka's ProducerStateManager keeps it: per
/// producer id the epoch and the last five batches, so that a retried batch is answered with its original
/// offsets, a gap is refused with OUT_OF_ORDER_SEQUENCE_NUMBER and an older epoch with INVALID_PRODUCER_EPOCH.
/// A value type owned by its `PartitionLog`, which serialises access.
struct ProducerStateManager: Sendable {
    /// How many batches per producer are remembered (Kafka's limit for in-flight idempotent requests).
    static let batchesRemembered = 5

    /// The outcome of checking a batch before it is appended.
    enum Decision: Equatable {
        case append
        case duplicate(ProducerBatch)
    }

    private(set) var entries: [Int64: ProducerEntry] = [:]
    /// Open transactions: producer id to the transaction's first offset on this partition.
    private(set) var ongoing: [Int64: Int64] = [:]

    /// The first offset of the oldest open transaction, or nil when none is open: the last stable offset stops
    /// there.
    var firstUnstableOffset: Int64? { ongoing.values.min() }

    /// Refuses a non-transactional batch from a producer with an open transaction (INVALID_TXN_STATE): it would
    /// end up inside the transaction and share its fate.
    func checkTransaction(producerId: Int64, isTransactional: Bool) throws(LogError) {
        guard !isTransactional, let first = ongoing[producerId] else { return }
        throw .producer(
            .invalidTxnState,
            "producer \(producerId) sent a non-transactional batch while its transaction from offset \(first) is "
                + "open; end the transaction first")
    }

    /// Notes an appended transactional batch: the producer's first one since its last marker opens a transaction.
    mutating func openTransaction(producerId: Int64, at offset: Int64) {
        if ongoing[producerId] == nil { ongoing[producerId] = offset }
    }

    /// Refuses a marker whose producer epoch or coordinator epoch is older than the ones recorded for its
    /// producer: a newer coordinator or producer instance has taken over.
    func checkMarker(producerId: Int64, epoch: Int16, coordinatorEpoch: Int32) throws(LogError) {
        guard let entry = entries[producerId] else { return }
        if epoch < entry.epoch {
            throw .producer(
                .staleEpoch,
                "marker for producer \(producerId) has epoch \(epoch), older than the current \(entry.epoch)")
        }
        if coordinatorEpoch < entry.coordinatorEpoch {
            throw .producer(
                .staleEpoch,
                "marker for producer \(producerId) has coordinator epoch \(coordinatorEpoch), older than the "
                    + "recorded \(entry.coordinatorEpoch)")
        }
    }

    /// Closes the producer's open transaction at its marker and takes the marker's epochs. A marker for a producer
    /// with no open transaction (written again after a restart) changes only the epochs.
    /// - Returns: the aborted transaction's first and last offsets, for an abort that closed one.
    mutating func completeTransaction(
        producerId: Int64, epoch: Int16, coordinatorEpoch: Int32, commit: Bool, markerOffset: Int64, timestamp: Int64
    ) -> (first: Int64, last: Int64)? {
        var entry = entries[producerId] ?? ProducerEntry(epoch: epoch, batches: [])
        // A new epoch starts again at sequence 0, which `check` demands of the next batch.
        if entry.epoch != epoch { entry = ProducerEntry(epoch: epoch, batches: []) }
        entry.coordinatorEpoch = coordinatorEpoch
        entry.lastTimestampMs = max(entry.lastTimestampMs, timestamp)
        entries[producerId] = entry
        guard let first = ongoing.removeValue(forKey: producerId) else { return nil }
        return commit ? nil : (first, markerOffset)
    }

    /// Decides whether a batch of `producerId` may be appended.
    /// - Throws: `LogError.producer`: `.staleEpoch` (an older epoch) or `.outOfOrderSequence` (a gap).
    func check(producerId: Int64, epoch: Int16, firstSequence: Int32, lastSequence: Int32) throws(LogError) -> Decision {
        guard let entry = entries[producerId] else { return .append }  // unknown producer: accept (KIP-360)
        if epoch < entry.epoch {
            throw .producer(
                .staleEpoch, "producer \(producerId) epoch \(epoch) is older than the current \(entry.epoch)")
        }
        if epoch > entry.epoch {
            guard firstSequence == 0 else {
                throw .producer(
                    .outOfOrderSequence,
                    "producer \(producerId) started epoch \(epoch) at sequence \(firstSequence), not 0")
            }
            return .append
        }
        if let original = entry.batches.first(where: {
            $0.firstSequence == firstSequence && $0.lastSequence == lastSequence
        }) {
            return .duplicate(original)
        }
        let expected = entry.batches.last.map { $0.lastSequence == Int32.max ? 0 : $0.lastSequence + 1 } ?? 0
        guard firstSequence == expected else {
            throw .producer(
                .outOfOrderSequence,
                "producer \(producerId) sent sequence \(firstSequence) where \(expected) was expected")
        }
        return .append
    }

    /// Records an appended (or recovered) batch.
    mutating func update(producerId: Int64, epoch: Int16, batch: ProducerBatch, timestamp: Int64 = -1) {
        var entry = entries[producerId] ?? ProducerEntry(epoch: epoch, batches: [])
        if epoch != entry.epoch {
            entry = ProducerEntry(
                epoch: epoch, batches: [], coordinatorEpoch: entry.coordinatorEpoch,
                lastTimestampMs: entry.lastTimestampMs)
        }
        entry.lastTimestampMs = max(entry.lastTimestampMs, timestamp)
        entry.batches.append(batch)
        if entry.batches.count > Self.batchesRemembered { entry.batches.removeFirst() }
        entries[producerId] = entry
    }

    /// Forgets everything (before a rebuild).
    mutating func reset() {
        entries = [:]
        ongoing = [:]
    }

    init() {}

    /// The state a version-2 snapshot's lines describe (see `PartitionLog.producerSnapshot`), or nil when a line
    /// does not parse (a torn snapshot: the caller falls back to an older one).
    init?<Lines: Sequence>(snapshotLines lines: Lines) where Lines.Element == Substring {
        var current: Int64?
        for line in lines {
            let words = line.split(separator: " ")
            let fields = words.dropFirst().compactMap { Int64($0) }
            switch words.first {
            case "p":
                guard fields.count == 5, let epoch = Int16(exactly: fields[1]),
                      let coordinatorEpoch = Int32(exactly: fields[2])
                else { return nil }
                entries[fields[0]] = ProducerEntry(
                    epoch: epoch, batches: [], coordinatorEpoch: coordinatorEpoch, lastTimestampMs: fields[4])
                if fields[3] >= 0 { ongoing[fields[0]] = fields[3] }
                current = fields[0]
            case "b":
                guard fields.count == 4, let producerId = current, let first = Int32(exactly: fields[0]),
                      let last = Int32(exactly: fields[1])
                else { return nil }
                entries[producerId]?.batches.append(ProducerBatch(
                    firstSequence: first, lastSequence: last, firstOffset: fields[2], lastOffset: fields[3]))
            default:
                return nil
            }
        }
    }
}
