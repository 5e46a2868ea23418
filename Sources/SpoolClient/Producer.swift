import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords

/// A Kafka producer: `send` appends a record to its partition's open batch and returns once the batch
/// is acknowledged. A batch leaves when it reaches `batchSizeBytes`, when it has waited `lingerMs`, or on
/// `flush`. Up to `maxInFlightBatchesPerPartition` batches of a partition are on the wire at once, written
/// in order by one sending task; with idempotence (the default) a retried batch carries the same producer
/// id and sequence numbers, so the broker writes it once, and batches refused only because an earlier one
/// is being retried (OUT_OF_ORDER_SEQUENCE_NUMBER) are retried after it, so the partition keeps its order.
/// Records without a key stick to one partition per topic until its batch leaves; keyed records go where
/// the Java client would put them (murmur2).
///
/// An actor: safe to share between tasks.
public actor Producer {
    /// The producer's settings.
    public nonisolated let configuration: ProducerConfiguration
    let client: KafkaClient
    private let ownsClient: Bool

    struct Batch {
        var partition: TopicPartition
        var builder = RecordBatchBuilder()
        var waiters: [Waiter] = []
        var timestamps: [Int64] = []
        var bytes = 0
        var created = ContinuousClock.now
        var deadline: ContinuousClock.Instant
        var wire: ByteBuffer?
        /// The base sequence number, once encoded by an idempotent producer.
        var sequence: Int32?
        /// Whether a timer will look at this batch again when its `pipelinedLinger` is up.
        var wakeScheduled = false
    }

    /// Who hears about one record: its own completion, or a completion shared by a `send` of many records with
    /// the record's index (no closure is made per record).
    enum Waiter {
        case single(Completion)
        case indexed(Int, @Sendable (Int, Result<RecordMetadata, SpoolClientError>) -> Void)

        func call(_ result: Result<RecordMetadata, SpoolClientError>) {
            switch self {
            case .single(let completion): completion(result)
            case .indexed(let index, let completion): completion(index, result)
            }
        }
    }

    /// How old a partial batch must be before it is sent beside batches of its partition already in flight.
    static let pipelinedLinger = Duration.milliseconds(1)

    /// Called once with where a record was written, or why it was not.
    public typealias Completion = @Sendable (Result<RecordMetadata, SpoolClientError>) -> Void

    var open: [TopicPartition: Batch] = [:]
    var sealed: [TopicPartition: [Batch]] = [:]
    /// Batches taken for sending and not yet acknowledged or failed, per partition: on the wire, queued
    /// for the sending task, or waiting in `retries`. At most `maxInFlightBatchesPerPartition`, so a retried
    /// batch is always among the last five the broker remembers.
    var inFlight: [TopicPartition: Int] = [:]
    /// Batches to send again, per partition, in sequence order (not yet encoded ones last).
    var retries: [TopicPartition: [Batch]] = [:]
    /// Base sequences of encoded batches not yet acknowledged or failed, per partition (idempotence).
    var unacknowledged: [TopicPartition: Set<Int32>] = [:]
    /// Batches taken by `drain`, in order, for the one sending task.
    var outbox: [Batch] = []
    var isSending = false
    var notBefore: [TopicPartition: ContinuousClock.Instant] = [:]
    var bufferedBytes = 0
    var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    var sticky: [String: Int32] = [:]
    var partitionCounts: [String: (count: Int32, until: ContinuousClock.Instant)] = [:]
    static let partitionCountLife = Duration.seconds(1)
    var producerIdentity: (id: Int64, epoch: Int16)?
    var identityTask: Task<(id: Int64, epoch: Int16), any Error>?
    var sequences: [TopicPartition: Int32] = [:]
    var flushing = 0
    var isClosed = false

    /// Makes a producer over an existing client (shared connections and metadata).
    /// - Parameters:
    ///   - client: the client to send through; the producer does not close it.
    ///   - configuration: acks, batching, compression, idempotence.
    /// - Throws: `SpoolClientError.invalidArgument` for idempotence without acks=all.
    public init(client: KafkaClient, configuration: ProducerConfiguration = .init()) throws(SpoolClientError) {
        try self.init(client: client, configuration: configuration, ownsClient: false)
    }

    private init(client: KafkaClient, configuration: ProducerConfiguration, ownsClient: Bool) throws(SpoolClientError) {
        guard !configuration.idempotent || configuration.acks == .all else {
            throw .invalidArgument("an idempotent producer needs acks=all; set idempotent to false for acks 0 or 1")
        }
        guard configuration.batchSizeBytes > 0, configuration.bufferMemoryBytes > 0, configuration.lingerMs >= 0 else {
            throw .invalidArgument("batch size and buffer memory must be positive and linger at least 0")
        }
        guard configuration.maxInFlightBatchesPerPartition >= 1,
            !configuration.idempotent || configuration.maxInFlightBatchesPerPartition <= 5
        else {
            throw .invalidArgument(
                "max in-flight batches per partition must be at least 1, and at most 5 with idempotence "
                    + "(got \(configuration.maxInFlightBatchesPerPartition))")
        }
        self.client = client
        self.configuration = configuration
        self.ownsClient = ownsClient
    }

    /// Makes a producer with its own client, closed with the producer.
    /// - Parameters:
    ///   - client: bootstrap servers and timeouts.
    ///   - configuration: acks, batching, compression, idempotence.
    /// - Throws: `SpoolClientError.invalidArgument` for idempotence without acks=all.
    public init(client: ClientConfiguration, configuration: ProducerConfiguration = .init()) throws(SpoolClientError) {
        try self.init(client: KafkaClient(configuration: client), configuration: configuration, ownsClient: true)
    }

    /// Sends one record and waits until it is acknowledged (or written, with acks=0).
    /// - Parameters:
    ///   - topic: the topic.
    ///   - key: the key, or nil; keyed records are partitioned by murmur2 of the key.
    ///   - value: the value, or nil (a tombstone).
    ///   - headers: record headers.
    ///   - partition: a partition to use instead of the partitioner's choice.
    ///   - timestamp: the create time in milliseconds since the epoch; now when nil.
    /// - Returns: the partition, offset and timestamp of the record.
    /// - Throws: `SpoolClientError` with the broker's error code, after retries of retriable errors until
    ///   `deliveryTimeoutMs`; `.closed` after `close()`.
    public func send(
        topic: String, key: ByteBuffer? = nil, value: ByteBuffer?, headers: [RecordHeader] = [],
        partition: Int32? = nil, timestamp: Int64? = nil
    ) async throws(SpoolClientError) -> RecordMetadata {
        let target = try await prepare(topic: topic, key: key, value: value, headers: headers, partition: partition)
        do {
            return try await withCheckedThrowingContinuation { continuation in
                append(
                    to: target.partition, key: key, value: value, headers: headers,
                    timestamp: timestamp ?? Self.nowMs(), size: target.size,
                    waiter: .single { continuation.resume(with: $0) })
            }
        } catch {
            throw KafkaClient.clientError(error)
        }
    }

    /// Queues one record and returns as soon as it is queued (after waiting for buffer space), so that a
    /// caller can queue many records in order without waiting for each acknowledgement.
    /// - Parameters:
    ///   - topic: the topic.
    ///   - key: the key, or nil.
    ///   - value: the value, or nil.
    ///   - headers: record headers.
    ///   - partition: a partition to use instead of the partitioner's choice.
    ///   - timestamp: the create time in milliseconds since the epoch; now when nil.
    ///   - completion: called once the record is acknowledged or has failed.
    /// - Throws: `SpoolClientError` when the record cannot be queued (unknown topic, closed producer).
    public func send(
        topic: String, key: ByteBuffer? = nil, value: ByteBuffer?, headers: [RecordHeader] = [],
        partition: Int32? = nil, timestamp: Int64? = nil, completion: @escaping Completion
    ) async throws(SpoolClientError) {
        let target = try await prepare(topic: topic, key: key, value: value, headers: headers, partition: partition)
        append(
            to: target.partition, key: key, value: value, headers: headers, timestamp: timestamp ?? Self.nowMs(),
            size: target.size, waiter: .single(completion))
    }

    /// Queues several records with one call, in order, and returns once all are queued (after waiting for
    /// buffer space as needed). One call instead of one per record saves a hop onto the producer for each
    /// record, which is most of a small record's cost in a tight loop.
    /// - Parameters:
    ///   - records: the records, queued in this order.
    ///   - completion: called once per record, with the record's index in `records`, when it is
    ///     acknowledged or has failed.
    /// - Throws: `SpoolClientError` when a record cannot be queued (unknown topic, closed producer); the
    ///   records before it are queued and get their completions, it and the ones after it do not.
    public func send(
        _ records: [ProducerRecord],
        completion: @escaping @Sendable (Int, Result<RecordMetadata, SpoolClientError>) -> Void
    ) async throws(SpoolClientError) {
        let now = Self.nowMs()
        // Each partition is drained once after the records are queued rather than once per record: a drain looks
        // the partition up in five tables, which cost more than the record itself in a tight loop.
        var touched: Set<TopicPartition> = []
        defer { for target in touched { drain(target) } }
        // A run of records to one topic looks its partition count up once, and a run to one partition adds it to
        // `touched` once: hashing a topic name per record was a tenth of the line path.
        var known: (topic: String, count: Int32)?
        var last: TopicPartition?
        for index in records.indices {
            let record = records[index]
            let count: Int32
            if let known, known.topic == record.topic {
                count = known.count
            } else {
                count = try await partitionCount(record.topic)
                known = (record.topic, count)
            }
            let target = try await prepare(
                topic: record.topic, partitionCount: count, key: record.key, value: record.value,
                headers: record.headers, partition: record.partition)
            append(
                to: target.partition, key: record.key, value: record.value, headers: record.headers,
                timestamp: record.timestamp ?? now, size: target.size, drainNow: false,
                waiter: .indexed(index, completion))
            if target.partition != last {
                touched.insert(target.partition)
                last = target.partition
            }
        }
    }

    /// Picks the partition and waits for buffer space.
    /// - Parameter partitionCount: the topic's partition count when the caller knows it.
    private func prepare(
        topic: String, partitionCount known: Int32? = nil, key: ByteBuffer?, value: ByteBuffer?,
        headers: [RecordHeader], partition: Int32?
    ) async throws(SpoolClientError) -> (partition: TopicPartition, size: Int) {
        guard !isClosed else { throw .closed }
        let count: Int32
        if let known { count = known } else { count = try await partitionCount(topic) }
        let target = TopicPartition(topic, try choosePartition(topic: topic, count: count, key: key, explicit: partition))
        let size = Record(timestampDelta: 0, offsetDelta: 0, key: key, value: value, headers: headers).encodedSize
        guard size + RecordBatch.headerSize <= configuration.bufferMemoryBytes else {
            throw .invalidArgument("a record of \(size) bytes is larger than buffer memory")
        }
        while bufferedBytes > 0 && bufferedBytes + size > configuration.bufferMemoryBytes {
            await withCheckedContinuation { spaceWaiters.append($0) }
            guard !isClosed else { throw .closed }
        }
        return (target, size)
    }

    /// Sends every waiting batch now and returns when all records sent so far are acknowledged or failed.
    public func flush() async {
        flushing += 1
        defer { flushing -= 1 }
        drain()
        while !isIdle { await withCheckedContinuation { idleWaiters.append($0) } }
    }

    /// Flushes, then refuses further sends; closes the client when the producer made it.
    public func close() async {
        await flush()
        isClosed = true
        for waiter in spaceWaiters { waiter.resume() }
        spaceWaiters.removeAll()
        if ownsClient { await client.close() }
    }

    /// Bytes of records queued or in flight (what `bufferMemoryBytes` bounds); for tests and monitoring.
    public var bufferedRecordBytes: Int { bufferedBytes }

    var isIdle: Bool { open.isEmpty && sealed.isEmpty && inFlight.isEmpty }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The topic's partition count, kept here for `partitionCountLife` so that a record does not cost a hop
    /// to the client's actor (the client's cache still decides when metadata is asked for again).
    private func partitionCount(_ topic: String) async throws(SpoolClientError) -> Int32 {
        let now = ContinuousClock.now
        if let known = partitionCounts[topic], now < known.until { return known.count }
        let client = self.client
        let metadata = try await client.withRetries(
            deadlineMs: min(configuration.deliveryTimeoutMs, 60_000),
            onRetry: { _ in await client.invalidate(topic: topic) }
        ) { () async throws(SpoolClientError) in try await client.topicMetadata(topic) }
        let count = Int32(metadata.partitions.count)
        partitionCounts[topic] = (count, now + Self.partitionCountLife)
        return count
    }

    private func choosePartition(topic: String, count: Int32, key: ByteBuffer?, explicit: Int32?)
        throws(SpoolClientError) -> Int32
    {
        if let explicit {
            guard (0..<count).contains(explicit) else {
                throw .kafka(.unknownTopicOrPartition, "partition \(explicit) of \(topic) (it has \(count))")
            }
            return explicit
        }
        if let key { return Murmur2.partition(forKey: key.readableBytesView, partitionCount: count) }
        if let chosen = sticky[topic], chosen < count { return chosen }
        let chosen = Int32.random(in: 0..<count)
        sticky[topic] = chosen
        return chosen
    }

    private func append(
        to target: TopicPartition, key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader], timestamp: Int64,
        size: Int, drainNow: Bool = true, waiter: Waiter
    ) {
        // Taken out of the dictionary so that the batch is uniquely referenced: appending to a copy made every
        // record copy the batch's arrays (quadratic per batch).
        var batch = open.removeValue(forKey: target) ?? newBatch(target)
        var sealedOne = false
        if batch.bytes > 0, batch.bytes + size > configuration.batchSizeBytes {
            seal(batch)
            batch = newBatch(target)
            sealedOne = true
        }
        batch.builder.append(key: key, value: value, headers: headers, timestamp: timestamp)
        batch.waiters.append(waiter)
        batch.timestamps.append(timestamp)
        batch.bytes += size
        bufferedBytes += size
        if batch.bytes >= configuration.batchSizeBytes {
            seal(batch)
            sealedOne = true
        } else {
            open[target] = batch
        }
        // A full batch goes out at once even in a run of records (its space may be what the next record waits for).
        if drainNow || sealedOne { drain(target) }
    }

    private func newBatch(_ target: TopicPartition) -> Batch {
        let now = ContinuousClock.now
        let batch = Batch(
            partition: target, created: now, deadline: now + .milliseconds(configuration.deliveryTimeoutMs))
        if configuration.lingerMs > 0 {
            // Sleep until the very instant drain() compares against, never a little before it: a timer that
            // woke early would find the batch too young and leave it waiting for a drain that never comes.
            let due = now + .milliseconds(configuration.lingerMs)
            Task { [weak self] in
                try? await Task.sleep(until: due, clock: .continuous)
                await self?.drain()
            }
        }
        return batch
    }

    /// Queues a batch taken out of `open` as full; records without a key then move to another partition (the
    /// sticky partitioner).
    private func seal(_ batch: Batch) {
        sealed[batch.partition, default: []].append(batch)
        if sticky[batch.partition.topic] == batch.partition.partition { sticky[batch.partition.topic] = nil }
    }
}
