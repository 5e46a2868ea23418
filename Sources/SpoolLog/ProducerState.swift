/// One appended batch of an idempotent producer, as remembered for de-duplication.
struct ProducerBatch: Equatable, Sendable {
    var firstSequence: Int32
    var lastSequence: Int32
    var firstOffset: Int64
    var lastOffset: Int64
}

/// What the log knows of one idempotent producer on one partition: its epoch and its last five batches.
struct ProducerEntry: Equatable, Sendable {
    var epoch: Int16
    var batches: [ProducerBatch]
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
    mutating func update(producerId: Int64, epoch: Int16, batch: ProducerBatch) {
        var entry = entries[producerId] ?? ProducerEntry(epoch: epoch, batches: [])
        if epoch != entry.epoch {
            entry = ProducerEntry(epoch: epoch, batches: [])
        }
        entry.batches.append(batch)
        if entry.batches.count > Self.batchesRemembered { entry.batches.removeFirst() }
        entries[producerId] = entry
    }

    /// Forgets everything (before a rebuild).
    mutating func reset() {
        entries = [:]
    }

    /// Replaces the state with a snapshot's.
    mutating func restore(_ snapshot: [Int64: ProducerEntry]) {
        entries = snapshot
    }
}
