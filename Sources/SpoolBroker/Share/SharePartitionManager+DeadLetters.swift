import Foundation
import NIOCore
import NIOPosix
import SpoolLog
import SpoolProtocol
import SpoolRecords

/// The headers a dead letter carries, saying where it came from (in the spirit of KIP-1191's `__dlq.errors.*`).
enum DeadLetterHeaders {
    static let topic = "__dlq.errors.topic"
    static let partition = "__dlq.errors.partition"
    static let offset = "__dlq.errors.offset"
    static let group = "__dlq.errors.group"
    static let deliveryCount = "__dlq.errors.delivery.count"
    /// `rejected` or `delivery-limit`.
    static let reason = "__dlq.errors.reason"
    /// When it was dead-lettered, in milliseconds since the epoch.
    static let timestamp = "__dlq.errors.timestamp"
}

extension SharePartitionManager {
    /// How long a failed dead-letter write waits before the sweep tries it again.
    static let deadLetterRetryMs: Int64 = 1000

    /// Writes what a share-partition has dead-lettered to its group's dead-letter topic, durably (acks=all), then
    /// lets the state archive them. On failure they go back to the state (still held in the window, saved as
    /// available) and the lock sweep tries again after ``deadLetterRetryMs``; after a restart they are delivered
    /// again. Without a dead-letter topic the dead letters are archived already and only dropped here.
    ///
    /// - Returns: the version to persist when the state changed.
    @discardableResult
    func drainDeadLetters(_ entry: SharePartitionEntry) async -> UInt64? {
        // The acknowledgement path calls this for every partition: a read under the lock is all it costs when
        // nothing was dead-lettered (an update would rescan the window for its next deadline).
        guard entry.read({ !$0.pendingDeadLetters.isEmpty }) else { return nil }
        let nowMs = Self.nowMs()
        let (ranges, _) = entry.update(nowMs: nowMs) { state in (state.takeDeadLetters(), false) }
        if ranges.isEmpty { return nil }
        do {
            if let topic = configs.config(for: entry.key.groupId).deadLetterTopic {
                try await writeDeadLetters(ranges, of: entry.key, to: topic, nowMs: nowMs)
            }
        } catch {
            // One warning when a share-partition's writes start failing; its retries every second log at debug.
            let first = deadLetterRetryAt.withLockedValue { retries in
                defer { retries[entry.key] = nowMs + Self.deadLetterRetryMs }
                return retries[entry.key] == nil
            }
            logger.log(
                level: first ? .warning : .debug, "dead letters not written; they stay pending and are retried",
                metadata: [
                    "group": "\(entry.key.groupId)", "partition": "\(entry.key.partition)",
                    "error": "\(error.message)",
                ])
            _ = entry.update(nowMs: nowMs) { state in
                state.requeueDeadLetters(ranges)
                return ((), false)
            }
            return nil
        }
        deadLetterRetryAt.withLockedValue { $0[entry.key] = nil }
        let (_, version) = entry.update(nowMs: nowMs) { state in
            state.deadLettersWritten(ranges)
            return ((), true)
        }
        return version
    }

    /// Drains every share-partition with dead letters waiting (and not waiting for a retry): the sweep calls it.
    func drainAllDeadLetters(nowMs: Int64) async {
        let retries = deadLetterRetryAt.withLockedValue { $0 }
        // Each entry's lock is taken outside the map's, as everywhere else.
        let all = entries.withLockedValue { Array($0.values) }
        let waiting = all.filter { entry in
            (retries[entry.key] ?? 0) <= nowMs && entry.read { !$0.pendingDeadLetters.isEmpty }
        }
        for entry in waiting {
            if await drainDeadLetters(entry) != nil { persister.persistLater(entry) }
        }
    }

    /// Reads the records at these offsets from the source log (whole batches, decompressed) and appends copies
    /// (key, value, headers, timestamp, plus ``DeadLetterHeaders``) to the dead-letter topic with acks=all, to the
    /// partition numbered as the source's modulo its partition count, so one source partition's dead letters keep
    /// their order. Creates the topic with `num.partitions` when it is missing.
    private func writeDeadLetters(
        _ ranges: [DeadLetterRecords], of key: SharePartitionKey, to topic: String, nowMs: Int64
    ) async throws(BrokerError) {
        let partitionCount = try await deadLetterTopic(topic)
        var builder = RecordBatchBuilder()
        for range in ranges {
            try await copyRecords(range, of: key, nowMs: nowMs, into: &builder)
        }
        guard builder.count > 0 else { return }  // gone from the log (retention): nothing to keep
        let target = TopicPartition(topic: topic, partition: key.partition.partition % max(1, partitionCount))
        let outcomes = await partitions.appendRecords(
            [ProduceInput(partition: target, records: builder.build())], acks: RequiredAcks.all.rawValue,
            timeoutMs: 30_000, eventLoop: NIOSingletons.posixEventLoopGroup.next(), written: {})
        if let error = outcomes.first?.error { throw error }
    }

    /// The dead-letter topic's partition count, creating it when missing.
    private func deadLetterTopic(_ topic: String) async throws(BrokerError) -> Int32 {
        if let found = partitions.catalog.topic(topic) { return Int32(found.logs.count) }
        do {
            let created = try await partitions.catalog.createTopic(
                name: topic, partitions: partitions.catalog.configuration.defaultPartitions, configs: [:])
            logger.info("dead-letter topic created", metadata: ["topic": "\(topic)"])
            return Int32(created.logs.count)
        } catch {
            // Another share-partition may have created it meanwhile.
            if let found = partitions.catalog.topic(topic) { return Int32(found.logs.count) }
            throw BrokerError(wrapping: error)
        }
    }

    private func copyRecords(
        _ range: DeadLetterRecords, of key: SharePartitionKey, nowMs: Int64, into builder: inout RecordBatchBuilder
    ) async throws(BrokerError) {
        var next = range.firstOffset
        while next <= range.lastOffset {
            let read: ShareBatches
            do {
                let reads = try await partitions.readShareBatches(
                    [(key.partition, next)], maxBytes: 1 << 20, maxRecords: Int(range.lastOffset - next + 1))
                guard let first = reads.first else { return }
                read = first
            } catch {
                throw BrokerError(wrapping: error)
            }
            if let error = read.error { throw error }
            guard !read.batches.isEmpty else { return }
            for batch in read.batches {
                guard let bytes = read.bytes.getSlice(at: batch.bytes.lowerBound, length: batch.bytes.count) else {
                    continue
                }
                do {
                    let decoded = try RecordBatch(buffer: bytes)
                    var reader = try decoded.decompressedRecordReader()
                    while let record = try reader.next() {
                        let offset = decoded.baseOffset + Int64(record.offsetDelta)
                        guard offset >= next, offset <= range.lastOffset else { continue }
                        builder.append(
                            key: record.key, value: record.value,
                            headers: record.headers + Self.headers(range, of: key, offset: offset, nowMs: nowMs),
                            timestamp: decoded.timestamp(of: record))
                    }
                } catch {
                    throw BrokerError(code: .corruptMessage, message: "a dead letter's batch did not decode: \(error)")
                }
                next = max(next, batch.offsets.upperBound + 1)
            }
        }
    }

    private static func headers(_ range: DeadLetterRecords, of key: SharePartitionKey, offset: Int64, nowMs: Int64)
        -> [RecordHeader]
    {
        func header(_ name: String, _ value: String) -> RecordHeader {
            RecordHeader(key: name, value: ByteBuffer(string: value))
        }
        return [
            header(DeadLetterHeaders.topic, key.partition.topic),
            header(DeadLetterHeaders.partition, String(key.partition.partition)),
            header(DeadLetterHeaders.offset, String(offset)),
            header(DeadLetterHeaders.group, key.groupId),
            header(DeadLetterHeaders.deliveryCount, String(range.deliveryCount)),
            header(DeadLetterHeaders.reason, range.reason.rawValue),
            header(DeadLetterHeaders.timestamp, String(nowMs)),
        ]
    }
}
