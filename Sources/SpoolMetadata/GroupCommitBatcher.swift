import Synchronization

/// Group commit: callers queue their entries; one writer at a time takes the whole queue and writes it in one
/// SQLite transaction (one fsync), then answers every caller in it. Entries arriving while a transaction runs
/// go into the next one, so the fsync cost is shared as load grows. Offset commits and share-partition state
/// saves each have one.
///
/// Thread-safe: a lock guards the queue.
final class GroupCommitBatcher<Entry: Sendable, Outcome: Sendable>: Sendable {
    /// Writes entries in one transaction and returns one outcome per entry, in order.
    typealias Write = @Sendable ([Entry]) async throws -> [Outcome]

    private struct Waiter {
        let entry: Entry
        let weight: Int
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        var writing = false
    }

    private let state = Mutex(State())
    private let write: Write
    /// The most weight (offsets, ranges) one transaction takes; the rest wait for the next round.
    private let maximumWeightPerTransaction: Int

    init(maximumWeightPerTransaction: Int, write: @escaping Write) {
        self.maximumWeightPerTransaction = maximumWeightPerTransaction
        self.write = write
    }

    /// Queues `entry` and returns its outcome once the transaction that wrote it has committed.
    ///
    /// - Parameters:
    ///   - entry: what to write.
    ///   - weight: its share of ``maximumWeightPerTransaction``; one entry always fits, whatever its weight.
    func submit(_ entry: Entry, weight: Int) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.queue.append(Waiter(entry: entry, weight: weight, continuation: continuation))
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
                var weight = 0
                for waiter in state.queue {
                    if taken > 0 && weight + waiter.weight > maximumWeightPerTransaction { break }
                    weight += waiter.weight
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

/// One caller's offset commit, as the offset batcher queues it.
struct OffsetCommitEntry: Sendable {
    let groupId: String
    let offsets: [CommittedOffset]
}

/// Shares one transaction between concurrent offset commits.
typealias OffsetCommitBatcher = GroupCommitBatcher<OffsetCommitEntry, [OffsetCommitOutcome]>

extension GroupCommitBatcher where Entry == OffsetCommitEntry, Outcome == [OffsetCommitOutcome] {
    /// The most offsets one transaction takes; the rest wait for the next round.
    static var maximumOffsetsPerTransaction: Int { 50_000 }

    convenience init(write: @escaping Write) {
        self.init(maximumWeightPerTransaction: Self.maximumOffsetsPerTransaction, write: write)
    }

    func commit(groupId: String, offsets: [CommittedOffset]) async throws -> [OffsetCommitOutcome] {
        try await submit(OffsetCommitEntry(groupId: groupId, offsets: offsets), weight: offsets.count)
    }
}
