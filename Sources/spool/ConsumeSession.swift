import Foundation
import SpoolClient

/// One `spool consume` run: the assignment, where each partition starts, the loop and the final commit.
final class ConsumeSession {
    let kafka: KafkaClient
    let consumer: Consumer
    let group: String?
    let subscribed: Bool
    let ends: [TopicPartition: Int64]?
    private var consumed: [TopicPartition: Int64] = [:]

    private init(
        kafka: KafkaClient, consumer: Consumer, group: String?, subscribed: Bool, ends: [TopicPartition: Int64]?
    ) {
        self.kafka = kafka
        self.consumer = consumer
        self.group = group
        self.subscribed = subscribed
        self.ends = ends
    }

    /// With a group and no chosen partitions or offsets, joins the group (subscribe); otherwise assigns the
    /// topic's partitions (or the chosen ones) and places each: the asked starting point, else the group's
    /// committed offset, else the end.
    /// - Throws: `SpoolClientError` for a missing topic or partition, or a broker that does not answer.
    static func open(
        kafka: KafkaClient, topic: String, partitions chosen: [Int32], group: String?, start: OffsetSpec?,
        exitAtEnd: Bool
    ) async throws -> ConsumeSession {
        let metadata = try await kafka.topicMetadata(topic, refresh: true)
        let all = metadata.partitions.map(\.index)
        for index in chosen where !all.contains(index) {
            throw SpoolClientError.kafka(
                .unknownTopicOrPartition, "partition \(index) of \(topic) (it has \(all.count))")
        }
        let partitions = (chosen.isEmpty ? all : chosen).map { TopicPartition(topic, $0) }
        if let group, chosen.isEmpty, start == nil || start == .beginning || start == .end {
            // A member of the group: partitions are shared with the group's other members.
            var configuration = ConsumerConfiguration(
                groupId: group, autoOffsetReset: start == .beginning ? .earliest : .latest)
            configuration.enableAutoCommit = false
            let consumer = Consumer(client: kafka, configuration: configuration)
            try await consumer.subscribe([topic])
            let ends = exitAtEnd ? try await endOffsets(kafka, partitions) : nil
            return ConsumeSession(kafka: kafka, consumer: consumer, group: group, subscribed: true, ends: ends)
        }
        let consumer = Consumer(
            client: kafka, configuration: ConsumerConfiguration(groupId: group, autoOffsetReset: .latest))
        await consumer.assign(partitions)
        let committed =
            group == nil || start != nil
            ? [:] : try await kafka.committedOffsets(group: group ?? "", partitions: partitions)
        for partition in partitions {
            try await consumer.seek(partition, to: start ?? committed[partition].map { .offset($0) } ?? .end)
        }
        let ends = exitAtEnd ? try await endOffsets(kafka, partitions) : nil
        return ConsumeSession(kafka: kafka, consumer: consumer, group: group, subscribed: false, ends: ends)
    }

    private static func endOffsets(_ kafka: KafkaClient, _ partitions: [TopicPartition]) async throws
        -> [TopicPartition: Int64]
    {
        try await kafka.listOffsets(
            Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaClient.latestTimestamp) }))
    }

    /// Polls and writes records to `output` until `limit` records, the end (with exit-at-end), a stop signal, or
    /// the reader of the output going away.
    /// - Throws: `SpoolClientError` from the consumer; `StandardOutput.OutputClosed` when the reader has gone.
    func run(limit: Int?, stop: StopSignal, output: StandardOutput, render: (ConsumerRecord) -> [UInt8])
        async throws
    {
        var count = 0
        defer { try? output.flush() }
        while !stop.isStopped {
            // `spool consume t | head -2`: head is gone even when no record comes to write into the pipe.
            if output.readerHasGone { throw StandardOutput.OutputClosed() }
            if try await reachedEnd() { return }
            for record in try await consumer.poll(timeoutMs: 500) {
                try output.write(render(record))
                consumed[TopicPartition(record.topic, record.partition)] = record.offset + 1
                count += 1
                if let limit, count >= limit { return }
            }
            // Records reach a pipe (`spool consume t | grep x`) as they arrive, not when the buffer fills.
            try output.flush()
        }
    }

    private func reachedEnd() async throws -> Bool {
        guard let ends else { return false }
        // A group member waits for its assignment, then checks only the partitions it was given.
        let assigned = Set(await consumer.assigned)
        if subscribed && assigned.isEmpty { return false }
        for (partition, end) in ends where !subscribed || assigned.contains(partition) {
            guard let position = await consumer.position(partition), position >= end else { return false }
        }
        return true
    }

    /// Commits what was printed (with a group) and closes the consumer.
    /// - Throws: `SpoolClientError` when the commit fails.
    func finish() async throws {
        if subscribed {
            // Commit while still a member (the generation must match), then leave the group.
            do {
                try await consumer.commit(consumed)
            } catch {
                await consumer.close()
                throw error
            }
            await consumer.close()
        } else {
            await consumer.close()
            if let group { try await kafka.commitOffsets(group: group, offsets: consumed) }
        }
    }
}
