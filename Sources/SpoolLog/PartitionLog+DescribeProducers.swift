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
        let entries = appendLock.withLock { producers.entries }
        return entries.sorted { $0.key < $1.key }.map { producerId, entry in
            ActiveProducer(
                producerId: producerId, producerEpoch: entry.epoch,
                lastSequence: entry.batches.last?.lastSequence ?? -1, lastOffset: entry.batches.last?.lastOffset ?? -1)
        }
    }
}
