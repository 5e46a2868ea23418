import ArgumentParser
import NIOConcurrencyHelpers
import NIOCore
import SpoolClient

/// `spool queue redrive GROUP`: moves a share group's dead letters back to their source topics.
///
/// It reads the group's dead-letter topic (its `errors.deadletterqueue.topic.name`) from the offsets committed
/// for the consumer group `spool-redrive.<GROUP>` up to the ends it saw when it started, appends each record of
/// this group to the topic and partition its `__dlq.errors.*` headers name (key, value, timestamp and its own
/// headers, without the dead-letter ones) with acks=all, and commits its progress after each poll's records are
/// acknowledged. Guarantee: at least once. A rerun after a finished run moves nothing; a run killed between an
/// append and its commit moves those records again on the next run (they may be duplicated, never lost).
struct QueueRedrive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive", abstract: "Move a share group's dead letters back to their source topics.",
        discussion: """
            Progress is committed as the offsets of the consumer group spool-redrive.<GROUP> on the dead-letter
            topic, so a rerun continues where the last one stopped. At least once: a run killed mid-way may append
            its last records again on the next run.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The share group's id.") var group: String

    func run() async throws {
        try await reportingFailures {
            let kafka = try client.client()
            defer { Task { await kafka.close() } }
            do {
                let moved = try await redrive(kafka)
                print("moved \(moved) dead letters of share group \(group)")
            } catch let failure as CLIFailure {
                throw failure
            } catch {
                throw client.failure("redrive share group \(group)", error)
            }
        }
    }

    private func redrive(_ kafka: KafkaClient) async throws -> Int {
        let configs = try await Admin(client: kafka).describeConfigsWithSources(group: group)
        guard let topic = configs.first(where: { $0.name == "errors.deadletterqueue.topic.name" })?.value else {
            throw CLIFailure(
                "share group \(group) has no dead-letter topic: set errors.deadletterqueue.topic.name with "
                    + "`spool queue config \(group) --set errors.deadletterqueue.topic.name=dlq.NAME`")
        }
        guard let metadata = try await existingTopic(topic, kafka) else { return 0 }  // nothing dead-lettered yet
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
    private static func sendAll(_ records: [ProducerRecord], with producer: Producer) async throws {
        guard !records.isEmpty else { return }
        let failures = NIOLockedValueBox<[SpoolClientError]>([])
        try await producer.send(records) { _, result in
            if case .failure(let error) = result { failures.withLockedValue { $0.append(error) } }
        }
        await producer.flush()
        if let failure = failures.withLockedValue({ $0.first }) { throw failure }
    }

    /// The topic's metadata, or nil when it does not exist.
    private func existingTopic(_ topic: String, _ kafka: KafkaClient) async throws -> ClusterMetadata.Topic? {
        let result: Result<ClusterMetadata.Topic, SpoolClientError>
        do {
            result = .success(try await kafka.topicMetadata(topic))
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
