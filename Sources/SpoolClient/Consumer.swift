import NIOCore
import SpoolProtocol
import SpoolRecords

/// A Kafka consumer. `assign` takes partitions by hand; `seek` moves a position; `poll` returns the
/// next records from all assigned partitions (one Fetch per leader); `records` is the same as an
/// `AsyncSequence`. With `prefetch`, the next fetch is already on its way while the caller processes
/// what `poll` returned; its results are dropped for a partition whose position moved meanwhile.
///
/// An actor: safe to share between tasks, though one reader at a time makes the most sense.
public actor Consumer {
    /// The consumer's settings.
    public nonisolated let configuration: ConsumerConfiguration
    let client: KafkaClient
    let ownsClient: Bool
    var assignment: [TopicPartition] = []
    var positions: [TopicPartition: Int64] = [:]
    var pendingSeeks: [TopicPartition: OffsetSpec] = [:]
    var prefetched: Task<[PartitionFetch], Never>?
    var isClosed = false
    var group: GroupState?

    /// Makes a consumer over an existing client.
    /// - Parameters:
    ///   - client: the client to fetch through; the consumer does not close it.
    ///   - configuration: fetch sizes, waits and the offset reset policy.
    public init(client: KafkaClient, configuration: ConsumerConfiguration = .init()) {
        self.client = client
        self.configuration = configuration
        self.ownsClient = false
    }

    /// Makes a consumer with its own client, closed with the consumer.
    /// - Parameters:
    ///   - client: bootstrap servers and timeouts.
    ///   - configuration: fetch sizes, waits and the offset reset policy.
    public init(client: ClientConfiguration, configuration: ConsumerConfiguration = .init()) {
        self.client = KafkaClient(configuration: client)
        self.configuration = configuration
        self.ownsClient = true
    }

    /// Replaces the assignment with these partitions. New partitions start at the committed offset
    /// (with a group) or by `autoOffsetReset`; partitions kept keep their positions.
    /// - Parameter partitions: the partitions to consume.
    public func assign(_ partitions: [TopicPartition]) {
        let kept = Set(partitions)
        positions = positions.filter { kept.contains($0.key) }
        pendingSeeks = pendingSeeks.filter { kept.contains($0.key) }
        assignment = partitions
        discardPrefetch()
    }

    /// The partitions assigned now.
    public var assigned: [TopicPartition] { assignment }

    /// Moves a partition's position; it takes effect at the next `poll`.
    /// - Parameters:
    ///   - partition: an assigned partition.
    ///   - spec: the beginning, the end, an offset or a timestamp.
    /// - Throws: `SpoolClientError.invalidArgument` for a partition that is not assigned.
    public func seek(_ partition: TopicPartition, to spec: OffsetSpec) throws(SpoolClientError) {
        guard assignment.contains(partition) else {
            throw .invalidArgument("cannot seek \(partition): it is not assigned to this consumer")
        }
        positions[partition] = nil
        pendingSeeks[partition] = spec
        discardPrefetch()
    }

    /// The offset of the next record `poll` returns for the partition, once known.
    /// - Parameter partition: an assigned partition.
    public func position(_ partition: TopicPartition) -> Int64? { positions[partition] }

    /// Waits up to `timeoutMs` for records and returns what the next fetch brought (possibly nothing).
    /// - Parameter timeoutMs: how long to wait for at least one record.
    /// - Returns: records in offset order per partition.
    /// - Throws: `SpoolClientError` for non-retriable fetch errors (e.g. OFFSET_OUT_OF_RANGE with the
    ///   reset policy `.none`) or when closed.
    public func poll(timeoutMs: Int64 = 1_000) async throws(SpoolClientError) -> [ConsumerRecord] {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        repeat {
            guard !isClosed else { throw .closed }
            try await maintainGroup()
            guard !assignment.isEmpty else {
                try? await Task.sleep(for: .milliseconds(min(timeoutMs, 100)))
                continue
            }
            try await resolveSeeks()
            let fetches = await (prefetched ?? startFetch()).value
            prefetched = nil
            let records = try apply(fetches)
            if configuration.prefetch { prefetched = startFetch() }
            if !records.isEmpty { return records }
            if fetches.allSatisfy({ $0.error != nil }) {
                // Nothing fetched (no leader known, broker unreachable): pause before asking again.
                try? await Task.sleep(for: .milliseconds(client.configuration.retryBackoffMs))
            }
        } while ContinuousClock.now < deadline
        return []
    }

    /// The records of the assigned partitions as an endless sequence (it ends when the consumer closes).
    public nonisolated var records: ConsumerRecords { ConsumerRecords(consumer: self) }

    /// Stops fetching; closes the client when the consumer made it.
    public func close() async {
        guard !isClosed else { return }
        await leaveGroup()
        isClosed = true
        discardPrefetch()
        if ownsClient { await client.close() }
    }

    func discardPrefetch() {
        prefetched?.cancel()
        prefetched = nil
    }

    /// Results of one partition's fetch, applied only if the position is still where the fetch began.
    struct PartitionFetch: Sendable {
        var partition: TopicPartition
        var fetchOffset: Int64
        var records: [ConsumerRecord] = []
        var nextOffset: Int64
        var error: SpoolClientError?
    }

    private func apply(_ fetches: [PartitionFetch]) throws(SpoolClientError) -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        for fetch in fetches {
            guard positions[fetch.partition] == fetch.fetchOffset else { continue }
            if let error = fetch.error {
                try recover(from: error, partition: fetch.partition)
                continue
            }
            positions[fetch.partition] = fetch.nextOffset
            records += fetch.records
        }
        return records
    }

    /// A partition's fetch failed: an out-of-range position is reset as `auto.offset.reset` says (or thrown
    /// with `.none`), retriable errors are retried by the next poll, others are thrown.
    /// (Kept apart from `apply`: Swift 6.3's optimizer crashes on the combined loop in release builds.)
    private func recover(from error: SpoolClientError, partition: TopicPartition) throws(SpoolClientError) {
        if error.kafkaErrorCode == .offsetOutOfRange {
            switch configuration.autoOffsetReset {
            case .earliest: pendingSeeks[partition] = .beginning
            case .latest: pendingSeeks[partition] = .end
            case .none: throw error
            }
            positions[partition] = nil
        } else if !error.isRetriable {
            throw error
        }
    }
}

/// The records of a `Consumer` as an `AsyncSequence`; iteration polls and ends when the consumer closes.
public struct ConsumerRecords: AsyncSequence, Sendable {
    /// Each element is one record.
    public typealias Element = ConsumerRecord
    let consumer: Consumer

    /// Makes an iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

    /// Polls the consumer and hands out its records one at a time.
    public struct Iterator: AsyncIteratorProtocol {
        let consumer: Consumer
        var buffer = PolledRecords<ConsumerRecord>()

        /// The next record, or nil once the consumer is closed.
        /// - Throws: `SpoolClientError` from `poll`.
        public mutating func next() async throws(SpoolClientError) -> ConsumerRecord? {
            let consumer = self.consumer
            return try await buffer.next { () async throws(SpoolClientError) in
                try await consumer.poll(timeoutMs: 1_000)
            }
        }
    }
}

/// What one poll returned, handed out one record at a time; a closed consumer ends the sequence.
struct PolledRecords<Element: Sendable>: Sendable {
    private var buffered: [Element] = []
    private var index = 0

    mutating func next(
        _ poll: () async throws(SpoolClientError) -> [Element]
    ) async throws(SpoolClientError) -> Element? {
        while index == buffered.count {
            do {
                buffered = try await poll()
            } catch {
                if error == .closed { return nil }
                throw error
            }
            index = 0
        }
        index += 1
        return buffered[index - 1]
    }
}
