import NIOConcurrencyHelpers
import NIOCore

extension Admin {
    /// Moves a share group's dead letters back to the topic and partition their `__dlq.errors.*` headers name
    /// (key, value, timestamp and their own headers, without the dead-letter ones), reading the group's
    /// dead-letter topic (`errors.deadletterqueue.topic.name`) from the offsets committed for the consumer group
    /// `spool-redrive.<GROUP>` up to the ends seen at the start. Each poll's records are appended with acks=all
    /// before the progress is committed: at least once. A rerun after a finished run moves nothing; a run
    /// stopped between an append and its commit moves those records again (duplicated, never lost).
    /// - Parameter group: the share group's id.
    /// - Returns: how many records were moved.
    /// - Throws: `SpoolClientError.invalidArgument` when the group has no dead-letter topic; the broker's refusals.
    public func redriveDeadLetters(of group: String) async throws(SpoolClientError) -> Int {
        let kafka = client
        let configs = try await Admin(client: kafka).describeConfigsWithSources(group: group)
        guard let topic = configs.first(where: { $0.name == "errors.deadletterqueue.topic.name" })?.value else {
            throw .invalidArgument(
                "share group \(group) has no dead-letter topic: set errors.deadletterqueue.topic.name with "
                    + "`spool queue config \(group) --set errors.deadletterqueue.topic.name=dlq.NAME`")
        }
        guard let metadata = try await existingTopic(topic) else { return 0 }  // nothing dead-lettered yet
        let partitions = metadata.partitions.map { TopicPartition(topic, $0.index) }
        let progressGroup = "spool-redrive.\(group)"
        let committed = try await kafka.committedOffsets(group: progressGroup, partitions: partitions)
        let ends = try await kafka.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, -1) }))
        let consumer = Consumer(client: kafka, configuration: .init(autoOffsetReset: .earliest, prefetch: false))
        let producer = try Producer(client: kafka, configuration: .init(acks: .all))
        let pending = partitions.filter { (committed[$0] ?? 0) < (ends[$0] ?? 0) }
        await consumer.assign(pending)
        for partition in pending {
            try await consumer.seek(partition, to: committed[partition].map { .offset($0) } ?? .beginning)
        }
        var positions = committed
        var moved = 0
        while pending.contains(where: { (positions[$0] ?? 0) < (ends[$0] ?? 0) }) {
            var progress: [TopicPartition: Int64] = [:]
            let records = try await consumer.poll(timeoutMs: 5_000)
            // Nothing within 5 s: the rest is gone (retention) or unreachable; a rerun continues from the commit.
            if records.isEmpty { break }
            var batch: [ProducerRecord] = []
            for record in records {
                let key = TopicPartition(record.topic, record.partition)
                guard record.offset < (ends[key] ?? 0) else { continue }
                progress[key] = record.offset + 1
                guard let source = Self.source(of: record), source.group == group else { continue }
                batch.append(ProducerRecord(
                    topic: source.topic, key: record.key, value: record.value,
                    headers: record.headers.filter { !$0.key.hasPrefix("__dlq.errors.") }, partition: source.partition,
                    timestamp: record.timestamp))
            }
            try await Self.sendAll(batch, with: producer)
            moved += batch.count
            // Every append above was acknowledged (acks=all) before its progress is committed.
            try await kafka.commitOffsets(group: progressGroup, offsets: progress)
            positions.merge(progress) { $1 }
        }
        await producer.close()
        await consumer.close()
        return moved
    }

    /// Sends records in one call and returns once every one is acknowledged (acks=all).
    /// - Throws: the first record's failure.
    private static func sendAll(_ records: [ProducerRecord], with producer: Producer) async throws(SpoolClientError) {
        guard !records.isEmpty else { return }
        let failures = NIOLockedValueBox<[SpoolClientError]>([])
        try await producer.send(records) { _, result in
            if case .failure(let error) = result { failures.withLockedValue { $0.append(error) } }
        }
        await producer.flush()
        if let failure = failures.withLockedValue({ $0.first }) { throw failure }
    }

    /// The topic's metadata, or nil when it does not exist.
    private func existingTopic(_ topic: String) async throws(SpoolClientError) -> ClusterMetadata.Topic? {
        let result: Result<ClusterMetadata.Topic, SpoolClientError>
        do {
            result = .success(try await client.topicMetadata(topic))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let metadata): return metadata
        case .failure(let error) where error.kafkaErrorCode == .unknownTopicOrPartition: return nil
        case .failure(let error): throw error
        }
    }

    /// Where a dead letter came from, from its headers.
    private static func source(of record: ConsumerRecord) -> (topic: String, partition: Int32, group: String)? {
        func header(_ name: String) -> String? {
            record.headers.last { $0.key == name }?.value.map { String(buffer: $0) }
        }
        guard let topic = header("__dlq.errors.topic"),
            let partition = header("__dlq.errors.partition").flatMap({ Int32($0) }),
            let group = header("__dlq.errors.group")
        else { return nil }
        return (topic, partition, group)
    }
}
