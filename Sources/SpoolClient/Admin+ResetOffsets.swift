import SpoolProtocol

extension Admin {
    /// Where `planOffsetReset` moves each partition.
    public enum OffsetResetTarget: Sendable, Hashable {
        /// The log start offset.
        case earliest
        /// The log end offset.
        case latest
        /// This offset, kept between the log's start and end.
        case offset(Int64)
        /// The first offset whose timestamp is at least this (ms since the epoch); the end when none is.
        case timestamp(Int64)
        /// The committed offset moved by this many records (negative moves back), kept within the log.
        case shift(Int64)
        /// The committed offset (the log end offset when there is none).
        case current
    }

    /// One partition of an offset reset: where the group is and where it would be.
    public struct OffsetResetRow: Sendable, Hashable, Encodable {
        /// The topic.
        public var topic: String
        /// The partition.
        public var partition: Int32
        /// The committed offset now, nil when there is none.
        public var currentOffset: Int64?
        /// The offset the reset commits.
        public var newOffset: Int64
    }

    /// The new offsets of a reset, as kafka-consumer-groups plans them; nothing is committed.
    /// - Parameters:
    ///   - group: the group id.
    ///   - topic: the topic whose offsets move; nil for every partition the group has committed offsets for.
    ///   - chosen: only these partitions of `topic` (empty: all of them).
    ///   - target: where to move them.
    /// - Throws: `SpoolClientError.invalidArgument` for a partition the topic lacks, a group without offsets,
    ///   or a shift of an uncommitted partition; the broker's refusals.
    public func planOffsetReset(
        group: String, topic: String?, partitions chosen: [Int32] = [], to target: OffsetResetTarget
    ) async throws(SpoolClientError) -> [OffsetResetRow] {
        let partitions: [TopicPartition]
        let current: [TopicPartition: Int64]
        if let topic {
            let metadata = try await client.topicMetadata(topic, refresh: true)
            let all = metadata.partitions.map(\.index)
            for index in chosen where !all.contains(index) {
                throw .invalidArgument("topic \(topic) has no partition \(index) (it has \(all.count))")
            }
            partitions = (chosen.isEmpty ? all : chosen).map { TopicPartition(topic, $0) }
            current = try await client.committedOffsets(group: group, partitions: partitions)
        } else {
            // As kafka-consumer-groups' --all-topics: the partitions the group has committed offsets for.
            current = try await client.committedOffsets(group: group, partitions: nil)
            partitions = current.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            guard !partitions.isEmpty else { throw .invalidArgument("group \(group) has no committed offsets") }
        }
        let targets = try await newOffsets(group: group, partitions, current: current, target: target)
        return partitions.map {
            OffsetResetRow(
                topic: $0.topic, partition: $0.partition, currentOffset: current[$0], newOffset: targets[$0] ?? 0)
        }
    }

    /// Commits a planned reset, refusing while the group has members (their commits would undo it).
    /// - Throws: `SpoolClientError.kafka` with NON_EMPTY_GROUP when the group has active members.
    public func applyOffsetReset(group: String, _ rows: [OffsetResetRow]) async throws(SpoolClientError) {
        if let described = try? await describeGroup(group), !described.members.isEmpty {
            throw .kafka(
                .nonEmptyGroup, "reset the offsets of group \(group)",
                message: "it has \(described.members.count) active member(s) (state \(described.state)). "
                    + "Stop the group's consumers first.")
        }
        let offsets = Dictionary(
            uniqueKeysWithValues: rows.map { (TopicPartition($0.topic, $0.partition), $0.newOffset) })
        try await client.commitOffsets(group: group, offsets: offsets)
    }

    private func newOffsets(
        group: String, _ partitions: [TopicPartition], current: [TopicPartition: Int64], target: OffsetResetTarget
    ) async throws(SpoolClientError) -> [TopicPartition: Int64] {
        var targets: [TopicPartition: Int64]
        switch target {
        case .offset(let offset):
            return try await clamped(partitions) { _ in offset }
        case .shift(let shift):
            let uncommitted = partitions.filter { current[$0] == nil }
            guard uncommitted.isEmpty else {
                throw .invalidArgument(
                    "cannot shift the offsets of group \(group): it has no committed offset for "
                        + uncommitted.map(\.description).joined(separator: ", "))
            }
            return try await clamped(partitions) { (current[$0] ?? 0) &+ shift }
        case .current:
            targets = current.filter { partitions.contains($0.key) }
        case .earliest, .latest, .timestamp:
            let time: Int64 =
                switch target {
                case .earliest: KafkaClient.earliestTimestamp
                case .timestamp(let milliseconds): milliseconds
                default: KafkaClient.latestTimestamp
                }
            targets = try await client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, time) }))
        }
        // No committed offset, or no record at or after the time: the log end offset, as Kafka's tool does.
        let missing = partitions.filter { (targets[$0] ?? -1) < 0 }
        if !missing.isEmpty {
            let ends = try await client.listOffsets(
                Dictionary(uniqueKeysWithValues: missing.map { ($0, KafkaClient.latestTimestamp) }))
            targets.merge(ends) { $1 }
        }
        return targets
    }

    /// Each partition's wanted offset kept between its log start and end offsets, as Kafka's tool does.
    private func clamped(
        _ partitions: [TopicPartition], _ wanted: (TopicPartition) -> Int64
    ) async throws(SpoolClientError) -> [TopicPartition: Int64] {
        let query = { (time: Int64) in Dictionary(uniqueKeysWithValues: partitions.map { ($0, time) }) }
        let starts = try await client.listOffsets(query(KafkaClient.earliestTimestamp))
        let ends = try await client.listOffsets(query(KafkaClient.latestTimestamp))
        return Dictionary(
            uniqueKeysWithValues: partitions.map {
                let offset = wanted($0)
                return ($0, min(max(offset, starts[$0] ?? 0), ends[$0] ?? offset))
            })
    }
}
