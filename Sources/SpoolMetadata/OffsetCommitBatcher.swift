import Synchronization

/// Group commit for offset commits: callers queue their offsets; one writer at a time takes the whole queue
/// and commits it in one SQLite transaction (one fsync), then answers every caller in it. Commits arriving
/// while a transaction runs go into the next one, so the fsync cost is shared as load grows.
///
/// Thread-safe: a lock guards the queue.
final class OffsetCommitBatcher: Sendable {
    struct Entry: Sendable {
        let groupId: String
        let offsets: [CommittedOffset]
    }

    typealias Write = @Sendable ([Entry]) async throws -> [[OffsetCommitOutcome]]

    private struct Waiter {
        let entry: Entry
        let continuation: CheckedContinuation<[OffsetCommitOutcome], any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        var writing = false
    }

    /// The most offsets one transaction takes; the rest wait for the next round.
    static let maximumOffsetsPerTransaction = 50_000

    private let state = Mutex(State())
    private let write: Write

    init(write: @escaping Write) {
        self.write = write
    }

    func commit(groupId: String, offsets: [CommittedOffset]) async throws -> [OffsetCommitOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.queue.append(Waiter(entry: Entry(groupId: groupId, offsets: offsets), continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startWriter {
                Task { await self.drain() }
            }
        }
    }

    /// Writes rounds until the queue is empty; only one `drain` runs at a time.
    private func drain() async {
        while true {
            let round = state.withLock { state -> [Waiter] in
                var taken = 0
                var count = 0
                for waiter in state.queue {
                    if count > 0 && count + waiter.entry.offsets.count > Self.maximumOffsetsPerTransaction { break }
                    count += waiter.entry.offsets.count
                    taken += 1
                }
                let round = Array(state.queue.prefix(taken))
                state.queue.removeFirst(taken)
                if round.isEmpty { state.writing = false }
                return round
            }
            if round.isEmpty { return }
            do {
                let outcomes = try await write(round.map(\.entry))
                for (waiter, outcome) in zip(round, outcomes) { waiter.continuation.resume(returning: outcome) }
            } catch {
                for waiter in round { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
