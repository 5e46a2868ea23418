import NIOCore
import SpoolLog
import SpoolProtocol

/// Fetch (1): whole batches from each partition as file slices sent with sendfile, never copied. When fewer
/// than min_bytes are ready the fetch waits (up to max_wait_ms, cut to `fetch.max.wait.ms`) and is woken
/// by an append to one of its partitions. Fetch sessions are declined (session id 0), as librdkafka never
/// uses them.
struct FetchHandler: KafkaAPIHandler {
    // Fetch 13+ needs topic IDs in requests and is not advertised.
    static let versions: ClosedRange<Int16> = 4...12

    let broker: BrokerState

    /// The record sets go out as file slices (`.parts`), sent with sendfile.
    func handle(_ request: FetchRequest, context: RequestContext) async throws -> KafkaReply {
        try await Self.handle(request, context: context, broker: broker)
    }

    /// What one partition answers.
    struct PartitionResult {
        var index: Int32
        var errorCode: KafkaErrorCode = .none
        var highWatermark: Int64 = -1
        var logStartOffset: Int64 = -1
        var slice: FileSlice?
    }

    struct TopicResult {
        var name: String
        var partitions: [PartitionResult]
    }

    static func handle(_ request: FetchRequest, context: RequestContext, broker: BrokerState) async throws
        -> KafkaReply
    {
        let start = ContinuousClock.now
        let waitMs = Int64(min(max(request.maxWaitMs, 0), broker.configuration.fetchMaxWaitMs))
        let deadline = start + .milliseconds(waitMs)
        let wanted = Set(request.topics.flatMap { topic in
            topic.partitions.map { TopicPartition(topic: topic.topic, partition: $0.partition) }
        })
        var (results, bytes, ends) = try await read(request, broker: broker)
        while bytes < Int(request.minBytes) && ContinuousClock.now < deadline && !wanted.isEmpty {
            let remaining = deadline - ContinuousClock.now
            let remainingMs = max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            let observed = ends
            broker.logger.debug(
                "fetch waits for data",
                metadata: ["bytes": "\(bytes)", "minBytes": "\(request.minBytes)", "waitMs": "\(remainingMs)",
                           "offsets": "\(request.topics.flatMap { $0.partitions.map(\.fetchOffset) })"])
            await broker.appends.wait(for: wanted, timeoutMs: remainingMs) {
                // Checked after the waiter is registered, so an append in between is not missed.
                observed.contains { partition, end in
                    broker.catalog.topic(partition.topic)?.log(partition.partition)?.logEndOffset != end
                }
            }
            (results, bytes, ends) = try await read(request, broker: broker)
        }
        broker.metrics.bytesOut.increment(by: bytes)
        broker.metrics.fetchLatency.record(duration: ContinuousClock.now - start)
        return try .parts(FetchResponseEncoder.encode(results, version: context.version, correlationId: context.header.correlationId))
    }

    /// Reads every partition once, on the I/O pool: at least one batch for the first partition with data,
    /// then as much as max_bytes and each partition_max_bytes allow.
    private static func read(_ request: FetchRequest, broker: BrokerState) async throws
        -> ([TopicResult], Int, [TopicPartition: Int64])
    {
        let plan = request.topics.map { topic in
            (topic.topic, broker.catalog.topic(topic.topic), topic.partitions)
        }
        let maxBytes = Int(request.maxBytes)
        return try await broker.logManager.onIOThread {
            var total = 0
            var ends: [TopicPartition: Int64] = [:]
            var results: [TopicResult] = []
            for (name, entry, partitions) in plan {
                var topicResult = TopicResult(name: name, partitions: [])
                for partition in partitions {
                    var result = PartitionResult(index: partition.partition)
                    guard let log = entry?.log(partition.partition) else {
                        result.errorCode = .unknownTopicOrPartition
                        topicResult.partitions.append(result)
                        continue
                    }
                    let limit = min(Int(partition.partitionMaxBytes), maxBytes - total)
                    do {
                        let read = try log.read(from: partition.fetchOffset, maxBytes: total == 0 ? max(limit, 1) : limit)
                        result.highWatermark = read.logEndOffset
                        result.logStartOffset = read.logStartOffset
                        ends[log.topicPartition] = read.logEndOffset
                        if let slice = read.slice, total == 0 || slice.length <= limit {
                            result.slice = slice
                            total += slice.length
                        }
                    } catch let error as LogError where error.isOffsetOutOfRange {
                        result.errorCode = .offsetOutOfRange
                        result.highWatermark = log.logEndOffset
                        result.logStartOffset = log.logStartOffset
                    } catch {
                        result.errorCode = .kafkaStorageError
                    }
                    topicResult.partitions.append(result)
                }
                results.append(topicResult)
            }
            return (results, total, ends)
        }
    }
}

/// Writes Fetch responses v4-12 by hand so that each partition's records are a file slice between byte
/// pieces: the generated codec would need the record bytes in memory.
enum FetchResponseEncoder {
    static func encode(_ topics: [FetchHandler.TopicResult], version: Int16, correlationId: Int32) throws(KafkaProtocolError)
        -> [KafkaReplyPart]
    {
        precondition((4...12).contains(version), "Fetch is advertised for versions 4-12 only")
        let flexible = version >= 12
        var parts: [KafkaReplyPart] = []
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        buffer.writeInteger(Int32(0))  // frame size, set at the end
        try ResponseHeader(correlationId: correlationId).encode(
            into: &buffer, version: ApiKey.fetch.responseHeaderVersion(for: version))
        buffer.writeInteger(Int32(0))  // throttle_time_ms
        if version >= 7 {
            buffer.writeInteger(KafkaErrorCode.none.rawValue)
            buffer.writeInteger(Int32(0))  // session_id: sessions declined
        }
        try buffer.writeKafkaArrayCount(topics.count, flexible: flexible)
        for topic in topics {
            try buffer.writeKafkaString(topic.name, flexible: flexible)
            try buffer.writeKafkaArrayCount(topic.partitions.count, flexible: flexible)
            for partition in topic.partitions {
                buffer.writeInteger(partition.index)
                buffer.writeInteger(partition.errorCode.rawValue)
                buffer.writeInteger(partition.highWatermark)
                buffer.writeInteger(partition.highWatermark)  // last_stable_offset: no transactions
                if version >= 5 { buffer.writeInteger(partition.logStartOffset) }
                try buffer.writeKafkaArrayCount(0, flexible: flexible, nullable: true)  // aborted_transactions
                if version >= 11 { buffer.writeInteger(Int32(-1)) }  // preferred_read_replica
                // An empty record set is zero-length, not null (librdkafka expects that).
                let length = partition.slice?.length ?? 0
                try buffer.writeKafkaLength(length, flexible: flexible, wide: true, what: "records")
                if let slice = partition.slice {
                    parts.append(.bytes(buffer))
                    parts.append(.file(slice))
                    buffer = ByteBufferAllocator().buffer(capacity: 256)
                }
                if flexible { buffer.writeKafkaTaggedFields([]) }
            }
            if flexible { buffer.writeKafkaTaggedFields([]) }
        }
        if flexible { buffer.writeKafkaTaggedFields([]) }
        parts.append(.bytes(buffer))
        let size = parts.reduce(0) { $0 + $1.byteCount } - 4
        guard size <= Int(Int32.max) else { throw .valueTooLong("fetch response", length: size) }
        if case .bytes(var head) = parts[0] {
            head.setInteger(Int32(size), at: head.readerIndex)
            parts[0] = .bytes(head)
        }
        return parts
    }
}
