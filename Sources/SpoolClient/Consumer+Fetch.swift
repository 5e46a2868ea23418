import NIOCore
import SpoolProtocol
import SpoolRecords

extension Consumer {
    /// Turns pending seeks (and partitions without a position) into offsets, with ListOffsets where needed.
    func resolveSeeks() async throws(SpoolClientError) {
        for partition in assignment where positions[partition] == nil && pendingSeeks[partition] == nil {
            pendingSeeks[partition] = try await startingPoint(partition)
        }
        guard !pendingSeeks.isEmpty else { return }
        var query: [TopicPartition: Int64] = [:]
        for (partition, spec) in pendingSeeks {
            switch spec {
            case .offset(let offset): positions[partition] = offset
            case .beginning: query[partition] = KafkaClient.earliestTimestamp
            case .end: query[partition] = KafkaClient.latestTimestamp
            case .timestamp(let time):
                query[partition] = time
            }
        }
        let seeks = pendingSeeks
        pendingSeeks.removeAll()
        guard !query.isEmpty else { return }
        let client = self.client
        let asked = query
        let found = try await client.withRetries(deadlineMs: client.configuration.requestTimeoutMs) {
            () async throws(SpoolClientError) in try await client.listOffsets(asked)
        }
        var missing: [TopicPartition: Int64] = [:]
        for (partition, offset) in found {
            guard seeks[partition] != nil, pendingSeeks[partition] == nil else { continue }
            if offset >= 0 { positions[partition] = offset } else { missing[partition] = KafkaClient.latestTimestamp }
        }
        // A timestamp newer than every record means the end of the log.
        if !missing.isEmpty {
            let latest = try await client.listOffsets(missing)
            for (partition, offset) in latest where pendingSeeks[partition] == nil { positions[partition] = offset }
        }
    }

    /// Where a partition without a position starts: the group's committed offset, else the reset policy.
    func startingPoint(_ partition: TopicPartition) async throws(SpoolClientError) -> OffsetSpec {
        switch configuration.autoOffsetReset {
        case .earliest: return .beginning
        case .latest: return .end
        case .none: throw .kafka(.offsetOutOfRange, "\(partition) has no position and the reset policy is none")
        }
    }

    /// Starts one fetch round over every assigned partition with a position.
    func startFetch() -> Task<[PartitionFetch], Never> {
        let wanted = assignment.compactMap { partition in positions[partition].map { (partition, $0) } }
        let client = self.client
        let configuration = self.configuration
        return Task {
            var byLeader: [Int32: [(TopicPartition, Int64)]] = [:]
            var results: [PartitionFetch] = []
            for (partition, offset) in wanted {
                do {
                    byLeader[try await client.leader(of: partition), default: []].append((partition, offset))
                } catch {
                    results.append(
                        .init(
                            partition: partition, fetchOffset: offset, nextOffset: offset,
                            error: KafkaClient.clientError(error)))
                }
            }
            await withTaskGroup(of: [PartitionFetch].self) { group in
                for (leader, partitions) in byLeader {
                    group.addTask {
                        await Self.fetch(from: leader, partitions, client: client, configuration: configuration)
                    }
                }
                for await fetched in group { results += fetched }
            }
            return results
        }
    }

    private static func fetch(
        from leader: Int32, _ partitions: [(TopicPartition, Int64)], client: KafkaClient,
        configuration: ConsumerConfiguration
    ) async -> [PartitionFetch] {
        let topics = Dictionary(grouping: partitions, by: \.0.topic).map { topic, parts in
            FetchRequest.FetchTopic(
                topic: topic,
                partitions: parts.map {
                    .init(
                        partition: $0.0.partition, fetchOffset: $0.1,
                        partitionMaxBytes: configuration.maxPartitionFetchBytes)
                })
        }
        let offsets = Dictionary(uniqueKeysWithValues: partitions.map { ($0.0, $0.1) })
        let response: FetchResponse
        do {
            let timeout = client.configuration.requestTimeoutMs + Int64(configuration.fetchMaxWaitMs)
            response = try await client.send(to: leader, maximumVersion: 12, as: FetchResponse.self, timeoutMs: timeout)
            {
                _ in
                FetchRequest(
                    maxWaitMs: configuration.fetchMaxWaitMs, minBytes: configuration.fetchMinBytes,
                    maxBytes: configuration.fetchMaxBytes, topics: topics)
            }
        } catch {
            return partitions.map { .init(partition: $0.0, fetchOffset: $0.1, nextOffset: $0.1, error: error) }
        }
        var results: [PartitionFetch] = []
        for topic in response.responses {
            for data in topic.partitions {
                let partition = TopicPartition(topic.topic, data.partitionIndex)
                guard let offset = offsets[partition] else { continue }
                var fetch = PartitionFetch(partition: partition, fetchOffset: offset, nextOffset: offset)
                let code = KafkaErrorCode(data.errorCode)
                if code != .none {
                    fetch.error = .kafka(code, "fetch \(partition) at offset \(offset)")
                    if code.isRetriedByClient { await client.invalidate(topic: partition.topic) }
                } else if let records = data.records {
                    do {
                        (fetch.records, fetch.nextOffset) = try decode(records, partition: partition, from: offset)
                    } catch {
                        fetch.error = error
                    }
                }
                results.append(fetch)
            }
        }
        return results
    }

    /// The records at or after `fetchOffset` (and up to `lastOffset`) in a fetched records blob, skipping control
    /// batches; a partial batch at the end (brokers may cut one off at the size limit) is left for the next fetch.
    /// A share fetch names `lastOffset`: its whole batches may hold thousands of records past what was acquired.
    static func decode(
        _ blob: ByteBuffer, partition: TopicPartition, from fetchOffset: Int64, through lastOffset: Int64 = .max
    ) throws(SpoolClientError) -> (records: [ConsumerRecord], nextOffset: Int64) {
        var records: [ConsumerRecord] = []
        var next = fetchOffset
        var index = blob.readerIndex
        while blob.writerIndex - index >= RecordBatch.headerSize {
            do {
                let size = try RecordBatch.batchSize(in: blob, at: index)
                guard size <= blob.writerIndex - index, let slice = blob.getSlice(at: index, length: size) else {
                    break
                }
                index += size
                let batch = try RecordBatch(buffer: slice)
                next = max(next, batch.nextOffset)
                guard !batch.isControl else { continue }
                guard batch.baseOffset <= lastOffset else { break }
                try append(batch, partition: partition, from: fetchOffset, through: lastOffset, to: &records)
            } catch let error as SpoolClientError {
                throw error
            } catch {
                throw .protocolViolation("a batch of \(partition) cannot be read: \(error)")
            }
        }
        return (records, next)
    }

    private static func append(
        _ batch: RecordBatch, partition: TopicPartition, from fetchOffset: Int64, through lastOffset: Int64,
        to records: inout [ConsumerRecord]
    ) throws {
        guard let codec = CompressionCodec(rawValue: batch.compressionCodec) else {
            throw SpoolClientError.protocolViolation("unknown compression codec \(batch.compressionCodec)")
        }
        let section = try RecordCompression.decompress(batch.recordsSection, codec: codec)
        var reader = RecordReader(records: section, count: Int(batch.recordsCount))
        while let record = try reader.next() {
            let offset = batch.baseOffset + Int64(record.offsetDelta)
            guard offset >= fetchOffset else { continue }
            guard offset <= lastOffset else { break }
            records.append(
                ConsumerRecord(
                    topic: partition.topic, partition: partition.partition, offset: offset,
                    timestamp: batch.timestamp(of: record),
                    isLogAppendTime: batch.isLogAppendTime, key: record.key, value: record.value,
                    headers: record.headers))
        }
    }
}
