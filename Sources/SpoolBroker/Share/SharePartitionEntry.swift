import NIOConcurrencyHelpers
import SpoolLog
import SpoolMetadata

/// A share-partition's identity: the share group and the topic-partition.
struct SharePartitionKey: Hashable, Sendable {
    let groupId: String
    let partition: TopicPartition
}

/// One share-partition's state behind its lock, with a version that orders its saves: every change that must be
/// saved bumps the version, and a save records the version its snapshot was taken at, so a later snapshot is never
/// overwritten by an earlier one.
///
/// Thread-safe: a lock guards the state and the version.
final class SharePartitionEntry: @unchecked Sendable {
    let key: SharePartitionKey
    private let lock = NIOLock()
    private var state: SharePartitionState
    private var version: UInt64 = 0
    /// The earliest lock deadline or backoff end, cached for the expiry sweep (Int64.max: none).
    private var nextDeadlineMs = Int64.max
    /// Deleted by DeleteShareGroupOffsets: saves remove the stored state.
    private var deleted = false

    init(key: SharePartitionKey, state: SharePartitionState) {
        self.key = key
        self.state = state
    }

    /// Reads the state under the lock.
    func read<T>(_ body: (SharePartitionState) -> T) -> T {
        lock.withLock { body(state) }
    }

    /// Changes the state under the lock.
    /// - Parameters:
    ///   - nowMs: the time, to refresh the cached next deadline.
    ///   - body: the change; returns its result and whether the change must be saved.
    /// - Returns: the body's result and, when the change must be saved, the version to wait for.
    func update<T>(nowMs: Int64, _ body: (inout SharePartitionState) -> (T, changed: Bool)) -> (T, version: UInt64?) {
        lock.withLock {
            let (result, changed) = body(&state)
            nextDeadlineMs = state.nextDeadlineMs(nowMs: nowMs) ?? .max
            guard changed else { return (result, nil) }
            version += 1
            return (result, version)
        }
    }

    /// The state as it would be stored, with the version it reflects; a deletion once ``markDeleted()`` ran.
    func snapshot() -> (SharePartitionSnapshot, version: UInt64) {
        lock.withLock {
            guard !deleted else {
                let deletion = SharePartitionSnapshot.deletion(
                    groupId: key.groupId, topic: key.partition.topic, partition: key.partition.partition)
                return (deletion, version)
            }
            return (state.snapshot(), version)
        }
    }

    /// Marks the share-partition deleted (DeleteShareGroupOffsets): from now on it saves as a deletion, so a save
    /// still queued for it can never bring the stored state back.
    /// - Returns: the version to wait for.
    func markDeleted() -> UInt64 {
        lock.withLock {
            deleted = true
            nextDeadlineMs = .max
            version += 1
            return version
        }
    }

    /// Undoes ``markDeleted()`` (the deletion was not saved).
    func unmarkDeleted() {
        lock.withLock {
            deleted = false
            version += 1
        }
    }

    /// Whether a lock or a backoff ends at or before `nowMs` (cheap: one cached value).
    func isDue(nowMs: Int64) -> Bool {
        lock.withLock { nextDeadlineMs <= nowMs }
    }
}

extension SharePartitionState {
    /// Whether a fetch would acquire something now, given the log's end offset.
    func hasAcquirable(nowMs: Int64, logEndOffset: Int64) -> Bool {
        guard let offset = firstAcquirableOffset(nowMs: nowMs) else { return false }
        return offset < endOffset || offset < logEndOffset
    }
}
