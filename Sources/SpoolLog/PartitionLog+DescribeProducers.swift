/// What one partition knows of one idempotent or transactional producer, as DescribeProducers reports it.
public struct ActiveProducer: Sendable, Equatable {
    /// The producer id.
    public var producerId: Int64
    /// The newest epoch the partition has seen from it.
    public var producerEpoch: Int16
    /// The sequence number of its last appended record, or -1.
    public var lastSequence: Int32
    /// The offset of its last appended record, or -1.
    public var lastOffset: Int64
    /// When it last wrote here (a batch's max timestamp or a marker's time), or -1.
    public var lastTimestampMs: Int64 = -1
    /// The coordinator epoch of the last marker written for it, or -1.
    public var coordinatorEpoch: Int32 = -1
    /// The first offset of its open transaction on this partition, or -1.
    public var currentTransactionStartOffset: Int64 = -1

    /// - Parameters: as the properties.
    public init(producerId: Int64, producerEpoch: Int16, lastSequence: Int32, lastOffset: Int64) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.lastSequence = lastSequence
        self.lastOffset = lastOffset
    }
}

extension PartitionLog {
    /// The producers the partition remembers (those whose batches are in its producer state), by producer id.
    /// Takes the append lock briefly (a copy, no I/O), so it waits at most for one append.
    public var activeProducers: [ActiveProducer] {
        let (entries, open) = appendLock.withLock { (producers.entries, producers.ongoing) }
        return entries.sorted { $0.key < $1.key }.map { producerId, entry in
            var producer = ActiveProducer(
                producerId: producerId, producerEpoch: entry.epoch,
                lastSequence: entry.batches.last?.lastSequence ?? -1, lastOffset: entry.batches.last?.lastOffset ?? -1)
            producer.lastTimestampMs = entry.lastTimestampMs
            producer.coordinatorEpoch = entry.coordinatorEpoch
            producer.currentTransactionStartOffset = open[producerId] ?? -1
            return producer
        }
    }
}
