import NIOCore
import SpoolLog
import SpoolProtocol

/// Fetch (1): the partition layer reads whole batches as file slices (sent with sendfile, never copied) and,
/// when fewer than min_bytes are ready, waits up to max_wait_ms (cut to `fetch.max.wait.ms`) for an append to one
/// of the partitions. Fetch sessions are declined (session id 0), as librdkafka never uses them.
struct FetchHandler: KafkaAPIHandler {
    // Fetch 13+ needs topic IDs in requests and is not advertised.
    static let versions: ClosedRange<Int16> = 4...12

    /// What one partition answers.
    struct PartitionResult {
        var index: Int32
        var errorCode: KafkaErrorCode = .none
        var highWatermark: Int64 = -1
        var lastStableOffset: Int64 = -1
        var logStartOffset: Int64 = -1
        var slice: FileSlice?
        /// read_committed only: (producer id, first offset) of the aborted transactions the slice may hold.
        var abortedTransactions: [AbortedTransaction] = []
    }

    struct TopicResult {
        var name: String
        var partitions: [PartitionResult]
    }

    let partitions: PartitionManager

    /// The record sets go out as file slices (`.parts`), sent with sendfile.
    func handle(_ request: FetchRequest, context: RequestContext) async throws -> KafkaReply {
        let wanted: [ReadPlan.Partition] = request.topics.flatMap { topic in
            topic.partitions.map {
                ReadPlan.Partition(
                    partition: TopicPartition(topic: topic.topic, partition: $0.partition),
                    fetchOffset: $0.fetchOffset, maxBytes: Int($0.partitionMaxBytes),
                    currentLeaderEpoch: $0.currentLeaderEpoch, readCommitted: request.isolationLevel == 1)
            }
        }
        let reads = try await context.authorizing(
            wanted, .read, resource: { .topic($0.partition.topic) },
            refused: { ReadPlan.PartitionRead(error: .init(code: $0, message: "not authorized to read the topic")) }
        ) { allowed in
            try await partitions.fetch(
                ReadPlan(partitions: allowed, maxBytes: Int(request.maxBytes)), minBytes: Int(request.minBytes),
                maxWaitMs: request.maxWaitMs, eventLoop: context.eventLoop
            ).reads
        }
        var next = reads.makeIterator()
        let topics = request.topics.map { topic in
            TopicResult(name: topic.topic, partitions: topic.partitions.map { partition in
                guard let read = next.next() else { preconditionFailure("one read per planned partition") }
                return Self.result(partition.partition, read)
            })
        }
        return try .parts(
            FetchResponseEncoder.encode(topics, version: context.version, correlationId: context.header.correlationId))
    }

    private static func result(_ index: Int32, _ read: ReadPlan.PartitionRead) -> PartitionResult {
        var result = PartitionResult(
            index: index, errorCode: read.error?.code ?? .none, slice: read.slice,
            abortedTransactions: read.abortedTransactions)
        if let state = read.state {
            result.highWatermark = state.highWatermark
            result.lastStableOffset = state.lastStableOffset
            result.logStartOffset = state.logStartOffset
        }
        return result
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
                buffer.writeInteger(partition.lastStableOffset)
                if version >= 5 { buffer.writeInteger(partition.logStartOffset) }
                try buffer.writeKafkaArrayCount(partition.abortedTransactions.count, flexible: flexible, nullable: true)
                for aborted in partition.abortedTransactions {
                    buffer.writeInteger(aborted.producerId)
                    buffer.writeInteger(aborted.firstOffset)
                    if flexible { buffer.writeKafkaTaggedFields([]) }
                }
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
