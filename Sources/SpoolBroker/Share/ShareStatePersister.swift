import NIOConcurrencyHelpers
import SpoolMetadata

/// Saves share-partition states in SQLite, many changes per transaction: a caller marks an entry changed and
/// (for an acknowledgement) waits until a transaction holding that change has committed. One writer at a time
/// takes every changed entry, snapshots each under its lock at that moment, and saves them together; changes
/// made while it writes go into the next transaction. Since snapshots are taken by the one writer, in order,
/// an older snapshot can never overwrite a newer one.
///
/// Thread-safe: a lock guards the queue.
final class ShareStatePersister: Sendable {
    typealias Save = @Sendable ([SharePartitionSnapshot]) async throws -> Void

    private struct Waiter {
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Queue {
        var changed: [ObjectIdentifier: SharePartitionEntry] = [:]
        var waiters: [Waiter] = []
        var writing = false
    }

    private let queue = NIOLockedValueBox(Queue())
    private let save: Save

    init(save: @escaping Save) {
        self.save = save
    }

    /// Returns once every entry's state at its version or later is durable, all saved in one transaction: they
    /// join the queue together, and a round takes the whole queue, so a crash keeps all of them or none.
    /// - Throws: the store's error when the transaction failed.
    func persistTogether(_ changes: [(SharePartitionEntry, UInt64)]) async throws {
        guard !changes.isEmpty else { return }
        try await withCheckedThrowingContinuation { continuation in
            let start = queue.withLockedValue { queue -> Bool in
                for (entry, _) in changes { queue.changed[ObjectIdentifier(entry)] = entry }
                // One waiter suffices: every entry is saved in the round that resumes it.
                queue.waiters.append(Waiter(continuation: continuation))
                return Self.claimWriter(&queue)
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Returns once every save that had begun has finished (the writer runs one round at a time): after it, no
    /// snapshot taken before the call can still be written. Deleting a share group or a topic waits on it.
    func barrier() async throws {
        try await withCheckedThrowingContinuation { continuation in
            let start = queue.withLockedValue { queue -> Bool in
                queue.waiters.append(Waiter(continuation: continuation))
                return Self.claimWriter(&queue)
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Saves the entry's state soon, without waiting (lock expiry, a member leaving: nothing is answered on it).
    func persistLater(_ entry: SharePartitionEntry) {
        let start = queue.withLockedValue { queue -> Bool in
            queue.changed[ObjectIdentifier(entry)] = entry
            return Self.claimWriter(&queue)
        }
        if start { Task { await self.drain() } }
    }

    private static func claimWriter(_ queue: inout Queue) -> Bool {
        guard !queue.writing else { return false }
        queue.writing = true
        return true
    }

    /// Writes rounds until nothing is changed; only one runs at a time.
    private func drain() async {
        while true {
            let (entries, waiters) = queue.withLockedValue { queue -> ([SharePartitionEntry], [Waiter]) in
                defer { queue.changed = [:]; queue.waiters = [] }
                if queue.changed.isEmpty && queue.waiters.isEmpty { queue.writing = false }
                return (Array(queue.changed.values), queue.waiters)
            }
            if entries.isEmpty && waiters.isEmpty { return }
            // Each snapshot is taken now, after every waiter's change: it covers them all. A deleted
            // share-partition's snapshot is a deletion, so no queued save brings it back.
            let snapshots = entries.map { $0.snapshot().0 }
            do {
                if !snapshots.isEmpty { try await save(snapshots) }
                for waiter in waiters { waiter.continuation.resume() }
            } catch {
                for waiter in waiters { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
