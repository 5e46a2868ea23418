import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// One share-partition as the admin APIs and the metrics see it.
struct SharePartitionReport: Sendable {
    let key: SharePartitionKey
    /// The share-partition start offset (SPSO).
    let startOffset: Int64
    let stats: SharePartitionStats
}

extension SharePartitionManager {
    /// Whether the group has any share-partition (created by a fetch, or restored from SQLite).
    func hasState(group: String) -> Bool {
        !entries(group: group).isEmpty
    }

    /// Start offsets and counts of a group's share-partitions, sorted by topic and partition: all of them, or
    /// those of `only` that exist (a partition never fetched by the group has none).
    func reports(group: String, only: Set<TopicPartition>? = nil) async -> [SharePartitionReport] {
        let chosen = entries(group: group)
            .filter { only?.contains($0.key.partition) ?? true }
            .sorted { $0.key.partition < $1.key.partition }
        var reports: [SharePartitionReport] = []
        reports.reserveCapacity(chosen.count)
        for entry in chosen { reports.append(await report(entry)) }
        return reports
    }

    /// Every share-partition's start offset and counts, for the metrics endpoint: how many records are
    /// available, acquired, acknowledged, archived and dead-lettered, and with `ages` the oldest available
    /// record's age, which reads one batch per share-partition with records available (for its timestamp).
    /// `/metrics` passes false: a scrape a second must not read every share-partition's log.
    func allReports(ages: Bool = true) async -> [SharePartitionReport] {
        let all = entries.withLockedValue { Array($0.values) }.sorted {
            ($0.key.groupId, $0.key.partition) < ($1.key.groupId, $1.key.partition)
        }
        var reports: [SharePartitionReport] = []
        for entry in all { reports.append(await report(entry, age: ages)) }
        return reports
    }

    private func report(_ entry: SharePartitionEntry, age: Bool = true) async -> SharePartitionReport {
        let logEnd = partitions.log(entry.key.partition)?.offsets.logEndOffset ?? 0
        let (counts, startOffset, endOffset) = entry.read { ($0.counts, $0.startOffset, $0.endOffset) }
        var stats = SharePartitionStats(
            available: Int64(counts.available) + max(0, logEnd - endOffset), acquired: Int64(counts.acquired),
            acknowledged: Int64(counts.acknowledged), archived: Int64(counts.archived),
            deadLettered: counts.deadLettered, firstAvailableOffset: counts.firstAvailableOffset,
            oldestAvailableAgeMs: -1, logEndOffset: logEnd)
        if age, stats.available > 0, let timestamp = await batchTimestamp(entry.key.partition, counts.firstAvailableOffset) {
            stats.oldestAvailableAgeMs = max(0, Self.nowMs() - timestamp)
        }
        return SharePartitionReport(key: entry.key, startOffset: startOffset, stats: stats)
    }

    /// The first timestamp of the batch holding `offset`, read from the log; nil when the log has no such batch.
    private func batchTimestamp(_ partition: TopicPartition, _ offset: Int64) async -> Int64? {
        guard let read = try? await partitions.readShareBatches([(partition, offset)], maxBytes: 1, maxRecords: 1).first,
            read.error == nil, let batch = read.batches.first
        else { return nil }
        // The base timestamp follows the last offset delta: 8 + 4 + 4 + 1 + 4 + 2 + 4 bytes into the batch.
        return read.bytes.getInteger(at: batch.bytes.lowerBound + 27, as: Int64.self)
    }

    // MARK: - AlterShareGroupOffsets

    /// Sets the start offset of share-partitions of a group, forgetting their in-flight records: in memory and in
    /// SQLite, in one transaction (a crash keeps all the new start offsets or none). The caller checked that the
    /// group has no members. On a failed save the previous states are restored in memory.
    /// - Parameter offsets: existing partitions and their new start offsets (not negative).
    /// - Throws: the store's error when the transaction failed.
    func alterStartOffsets(group: String, _ offsets: [(TopicPartition, Int64)]) async throws {
        let policy = configs.config(for: group).policy(maximumRecordLocks: settings.maximumRecordLocks)
        let nowMs = Self.nowMs()
        var changed: [(SharePartitionEntry, UInt64)] = []
        var previous: [(SharePartitionEntry, SharePartitionState)] = []
        for (partition, offset) in offsets {
            guard let entry = try? self.entry(group: group, partition) else { continue }
            let (old, version) = entry.update(nowMs: nowMs) { state in
                let old = state
                state = SharePartitionState(
                    groupId: group, topic: partition.topic, partition: partition.partition, startOffset: offset,
                    policy: policy)
                state.stateEpoch = old.stateEpoch &+ 1
                return (old, true)
            }
            previous.append((entry, old))
            if let version { changed.append((entry, version)) }
        }
        do {
            try await persister.persistTogether(changed)
        } catch {
            for (entry, old) in previous {
                _ = entry.update(nowMs: nowMs) { state in
                    state = old
                    return ((), true)
                }
                persister.persistLater(entry)
            }
            throw error
        }
        wakeFetchers(offsets.map(\.0))
    }

    // MARK: - DeleteShareGroupOffsets

    /// Deletes a group's share-partitions of `topics` (nil: of every topic, DeleteGroups), in memory and in SQLite, in one transaction (a crash keeps
    /// all of them or deletes all). A later fetch starts them again from `share.auto.offset.reset`. The caller
    /// checked that the group has no members. On a failed save they are put back in memory.
    /// - Returns: how many share-partitions were deleted.
    /// - Throws: the store's error when the transaction failed.
    @discardableResult
    func deleteStates(group: String, topics: Set<String>?) async throws -> Int {
        let removed = entries.withLockedValue { map -> [SharePartitionEntry] in
            let chosen = map.values.filter {
                $0.key.groupId == group && topics?.contains($0.key.partition.topic) ?? true
            }
            for entry in chosen { map[entry.key] = nil }
            return chosen
        }
        let changed = removed.map { ($0, $0.markDeleted()) }
        do {
            try await persister.persistTogether(changed)
        } catch {
            entries.withLockedValue { map in
                for entry in removed {
                    entry.unmarkDeleted()
                    if map[entry.key] == nil { map[entry.key] = entry }
                }
            }
            for entry in removed { persister.persistLater(entry) }
            throw error
        }
        return removed.count
    }
}
