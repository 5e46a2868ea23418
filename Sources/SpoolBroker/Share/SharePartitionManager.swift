import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// What a share fetch got from one partition: whole batches and the records in them this member now holds.
struct ShareFetchRead: Sendable {
    let partition: TopicPartition
    var error: BrokerError?
    /// Whole record batches holding the acquired records (nil when none was acquired).
    var records: ByteBuffer?
    var acquired: [AcquiredRecords] = []
}

/// Kafka's SharePartitionManager for one broker: every share-partition's state (created on first use, restored from
/// SQLite at start-up), share fetches that read the log and acquire records, acknowledgements that are durable
/// before they are answered, lock expiry, and releasing what a departed member held.
///
/// Where things run: state changes under each share-partition's own lock (microseconds); log reads on the I/O
/// pool through the partition layer; waits as delayed operations on the requester's event loop, woken by appends
/// and by records becoming available again; saves by one writer that puts many changes in one transaction.
///
/// Thread-safe: a lock guards the map of share-partitions; each entry guards its own state.
final class SharePartitionManager: Service, Sendable {
    let partitions: PartitionManager
    let settings: ShareSettings
    /// Each group's configs (lock duration, delivery limit, auto offset reset, dead-letter topic, backoff).
    let configs: ShareGroupConfigs
    /// The members' share sessions (ShareFetch epochs and partitions), bounded by `group.share.max.share.sessions`.
    let sessions: ShareSessionCache
    private let store: any ShareStateStore
    /// Where groups' config overrides are kept.
    let configStore: any GroupConfigStore
    let persister: ShareStatePersister
    /// Every share-partition, by group and partition.
    let entries = NIOLockedValueBox<[SharePartitionKey: SharePartitionEntry]>([:])
    /// Records acquired and acknowledged, broker-wide.
    let metrics = ShareMetrics()
    /// Whether the sweep's dead-letter drain is running.
    let deadLetterSweeping = NIOLockedValueBox(false)
    /// Serialises changes to groups' config overrides.
    let configWrites = AsyncExclusion()
    /// Share-partitions whose dead-letter write failed, and when to try again.
    let deadLetterRetryAt = NIOLockedValueBox<[SharePartitionKey: Int64]>([:])
    /// Bytes share fetches may still read into memory (`group.share.fetch.memory.bytes`).
    private let fetchMemory: NIOLockedValueBox<Int>
    let logger: Logger

    init(
        partitions: PartitionManager, store: any ShareStateStore & GroupConfigStore, settings: ShareSettings,
        logger: Logger
    ) {
        self.partitions = partitions
        self.store = store
        self.configStore = store
        self.settings = settings
        self.logger = logger
        self.sessions = ShareSessionCache(maximumSessions: settings.maximumSessions)
        self.configs = ShareGroupConfigs(
            defaults: settings.groupDefaults, deadLetterPrefix: settings.deadLetterTopicPrefix)
        self.fetchMemory = NIOLockedValueBox(settings.fetchMemoryBytes)
        self.persister = ShareStatePersister { snapshots in _ = try await store.saveShareStates(snapshots) }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Restores every saved share-partition: records that were acquired when the broker stopped are available
    /// again (their locks died with it), acknowledged and archived ones stay done.
    func load() async throws {
        try await loadConfigs()
        let snapshots = try await store.allShareStates()
        let restored = snapshots.map { snapshot -> SharePartitionEntry in
            let key = SharePartitionKey(
                groupId: snapshot.groupId, partition: TopicPartition(topic: snapshot.topic, partition: snapshot.partition))
            let policy = configs.config(for: snapshot.groupId).policy(maximumRecordLocks: settings.maximumRecordLocks)
            return SharePartitionEntry(key: key, state: SharePartitionState(restoring: snapshot, policy: policy))
        }
        entries.withLockedValue { map in
            for entry in restored { map[entry.key] = entry }
        }
        if !restored.isEmpty { logger.info("share-partition states restored", metadata: ["count": "\(restored.count)"]) }
    }

    /// The share-partition, created at the group's `share.auto.offset.reset` (latest: the log end; earliest: the log
    /// start; by duration: the first record at or after that time) on first use.
    /// - Throws: `BrokerError` UNKNOWN_TOPIC_OR_PARTITION.
    func entry(group: String, _ partition: TopicPartition) throws(BrokerError) -> SharePartitionEntry {
        let key = SharePartitionKey(groupId: group, partition: partition)
        if let found = entries.withLockedValue({ $0[key] }) { return found }
        guard let state = partitions.state(of: partition) else {
            throw BrokerError(code: .unknownTopicOrPartition, message: "\(partition) does not exist")
        }
        let config = configs.config(for: group)
        let start: Int64
        switch config.autoOffsetReset {
        case .latest: start = state.highWatermark
        case .earliest: start = state.logStartOffset
        case .byDuration(let ms):
            // The first record at or after that time, as ListOffsets finds it (reads the time index: once per
            // share-partition); the log end when every record is older.
            let found = partitions.log(partition).flatMap { try? $0.offset(forTimestamp: Self.nowMs() - ms) }
            start = found?.offset ?? state.highWatermark
        }
        let fresh = SharePartitionEntry(
            key: key,
            state: SharePartitionState(
                groupId: group, topic: partition.topic, partition: partition.partition, startOffset: start,
                policy: config.policy(maximumRecordLocks: settings.maximumRecordLocks)))
        return entries.withLockedValue { map in
            if let raced = map[key] { return raced }
            map[key] = fresh
            return fresh
        }
    }

    /// The share groups with share-partition state.
    func groupIds() -> [String] {
        entries.withLockedValue { Array(Set($0.keys.map(\.groupId))).sorted() }
    }

    /// Forgets a deleted (empty) share group: its sessions, configs and share-partitions, in memory and in SQLite
    /// (states and configs in one transaction: after a crash the group is either whole or gone).
    /// - Throws: the store's error; the in-memory state is then kept, so the group can be deleted again.
    func deleteGroup(_ group: String) async throws {
        try await forget({ $0.groupId == group }) {
            try await configStore.deleteShareGroup(groupId: group)
        }
        sessions.removeGroup(group)
        configs.set(nil, for: group)
    }

    /// Runs a topic's deletion (which deletes its share-partition rows with it) and forgets the topic's
    /// share-partitions, so a topic made again under the name starts with none.
    func deleteTopic(_ topic: String, _ delete: () async throws -> Void) async throws {
        try await forget({ $0.partition.topic == topic }, delete)
    }

    /// Marks the share-partitions `doomed` selects deleted (never saved again), waits for the persister's round in
    /// progress (a snapshot taken before must not land after the rows are gone), runs `delete`, then drops them;
    /// when `delete` fails they are unmarked and kept.
    private func forget(_ doomed: (SharePartitionKey) -> Bool, _ delete: () async throws -> Void) async throws {
        let selected = entries.withLockedValue { map in map.values.filter { doomed($0.key) } }
        for entry in selected { _ = entry.markDeleted() }
        do {
            try await persister.barrier()
            try await delete()
        } catch {
            for entry in selected { entry.unmarkDeleted() }
            throw error
        }
        entries.withLockedValue { map in
            for entry in selected { map[entry.key] = nil }
        }
    }

    /// The share-partitions of a group.
    func entries(group: String) -> [SharePartitionEntry] {
        entries.withLockedValue { map in map.values.filter { $0.key.groupId == group } }
    }

    /// Takes up to `wanted` bytes of the share-fetch memory budget; 0 when it is spent.
    func reserveFetchMemory(_ wanted: Int) -> Int {
        fetchMemory.withLockedValue { free in
            let granted = min(max(wanted, 0), free)
            free -= granted
            return granted
        }
    }

    /// Gives back what `reserveFetchMemory` granted, once the response holding the bytes is encoded.
    func releaseFetchMemory(_ bytes: Int) {
        fetchMemory.withLockedValue { $0 += bytes }
    }

    // MARK: - Acknowledging

    /// Applies a member's acknowledgements and returns once they are durable.
    /// - Returns: one error per partition (NONE when applied and saved).
    func acknowledge(group: String, member: String, _ batches: [(TopicPartition, [AcknowledgementBatch])]) async
        -> [TopicPartition: KafkaErrorCode]
    {
        let nowMs = Self.nowMs()
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var changed: [(SharePartitionEntry, UInt64)] = []
        for (partition, acknowledgements) in batches {
            let entry: SharePartitionEntry
            do {
                entry = try self.entry(group: group, partition)
            } catch {
                errors[partition] = error.code
                continue
            }
            let (codes, version) = entry.update(nowMs: nowMs) { state in
                let codes = state.acknowledge(memberId: member, batches: acknowledgements, nowMs: nowMs)
                return (codes, codes.allSatisfy { $0 == .none })
            }
            errors[partition] = codes.first { $0 != .none } ?? KafkaErrorCode.none
            metrics.acknowledged(zip(acknowledgements, codes).filter { $0.1 == .none }.map(\.0))
            // Rejected records and those at the delivery limit reach the dead-letter topic before the state
            // that archives them is saved.
            let written = await drainDeadLetters(entry)
            if let latest = written ?? version { changed.append((entry, latest)) }
        }
        // Every partition of the request in one transaction: one fsync, not one per partition in turn.
        do {
            try await persister.persistTogether(changed)
        } catch {
            logger.error(
                "share-partition states not saved",
                metadata: ["partitions": "\(changed.map(\.0.key.partition))", "error": "\(error)"])
            for (entry, _) in changed { errors[entry.key.partition] = .kafkaStorageError }
        }
        if !changed.isEmpty { wakeFetchers(changed.map(\.0.key.partition)) }
        return errors
    }

    /// Releases every record a member holds in a group (it left, its session closed, or it expired).
    func release(group: String, member: String) {
        let nowMs = Self.nowMs()
        var released: [TopicPartition] = []
        for entry in entries(group: group) {
            let (count, _) = entry.update(nowMs: nowMs) { state in
                let count = state.releaseAll(memberId: member, nowMs: nowMs)
                return (count, count > 0)
            }
            if count > 0 {
                persister.persistLater(entry)
                released.append(entry.key.partition)
            }
        }
        if !released.isEmpty { wakeFetchers(released) }
    }

    /// Applies a group's changed configs to its share-partitions (the delivery limit and backoff at once; the lock
    /// duration from the next acquisition; the auto offset reset only for share-partitions not yet created).
    func configsChanged(group: String) {
        let policy = configs.config(for: group).policy(maximumRecordLocks: settings.maximumRecordLocks)
        let nowMs = Self.nowMs()
        for entry in entries(group: group) {
            _ = entry.update(nowMs: nowMs) { state in
                state.policy = policy
                return ((), false)
            }
        }
    }

    /// A member left its group or expired: its share session ends and what it held goes back to the others.
    func memberLeft(group: String, member: String) {
        _ = sessions.remove(.init(groupId: group, memberId: member))
        release(group: group, member: member)
    }

    /// Wakes share fetches waiting on these partitions: records may be available to them now.
    func wakeFetchers(_ released: [TopicPartition]) {
        for partition in released { partitions.delayed.wake(.shareAvailable(partition)) }
    }

    // MARK: - Lock expiry

    /// Sweeps every share-partition for expired locks and ended backoffs every `share.lock.sweep.ms`, until
    /// graceful shutdown: an expired record becomes available (or is archived at the delivery limit) and the
    /// fetches waiting for it are woken.
    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            try? await Task.sleep(for: .milliseconds(settings.sweepIntervalMs))
            let nowMs = Self.nowMs()
            let due = entries.withLockedValue { map in map.values.filter { $0.isDue(nowMs: nowMs) } }
            for entry in due {
                _ = entry.update(nowMs: nowMs) { state in
                    state.expireLocks(nowMs: nowMs)
                    return ((), true)
                }
                persister.persistLater(entry)
            }
            if !due.isEmpty { wakeFetchers(due.map(\.key.partition)) }
            // Expiry and acquisition at the delivery limit dead-letter records too; failed writes are retried.
            // In its own task, so a slow dead-letter write never holds lock expiry back; one at a time.
            if deadLetterSweeping.withLockedValue({ busy in defer { busy = true }; return !busy }) {
                Task {
                    await drainAllDeadLetters(nowMs: nowMs)
                    deadLetterSweeping.withLockedValue { $0 = false }
                }
            }
        }
    }
}

/// The broker settings a share-partition manager applies; `groupDefaults` are what groups start from.
struct ShareSettings: Sendable {
    /// What a group's configs are until it sets its own.
    var groupDefaults: ShareGroupConfig
    /// `group.share.partition.max.record.locks`.
    var maximumRecordLocks: Int
    /// How often locks and backoffs are checked, in milliseconds.
    var sweepIntervalMs: Int64 = 100
    /// `group.share.max.share.sessions`.
    var maximumSessions: Int
    /// `fetch.max.bytes`: the most bytes one share fetch reads into memory.
    var maximumFetchBytes: Int
    /// `group.share.fetch.memory.bytes`: the most all share fetches together read into memory.
    var fetchMemoryBytes: Int
    /// `errors.deadletterqueue.topic.name.prefix`.
    var deadLetterTopicPrefix = "dlq."

    init(configuration: BrokerConfiguration) {
        groupDefaults = ShareGroupConfig(configuration: configuration)
        maximumRecordLocks = configuration.sharePartitionMaxRecordLocks
        maximumSessions = configuration.shareMaxSessions
        maximumFetchBytes = Int(configuration.fetchMaximumBytes)
        fetchMemoryBytes = Int(configuration.shareFetchMemoryBytes)
        deadLetterTopicPrefix = configuration.deadLetterTopicPrefix
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the current task was cancelled or the service group is shutting down gracefully.
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
