import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix

/// Group commit: callers wait for an fsync that covers their offset, and every caller that arrives while
/// one round of fsyncs runs is covered by the next single round (one fsync per dirty file, across all
/// partitions waited on). Rounds run on a thread of the I/O pool, never on an event loop.
///
/// Thread-safe: the waiting list is guarded by a lock.
final class FlushScheduler: @unchecked Sendable {
    /// Called with the outcome of the fsync that covered the waiter's offset.
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    private struct Waiter {
        var offset: Int64
        var completion: Completion
    }

    private let lock = NIOLock()
    private var pending: [ObjectIdentifier: (log: PartitionLog, waiters: [Waiter])] = [:]
    private var running = false
    private var roundsValue = 0
    private let threadPool: NIOThreadPool
    private let rounds = Counter(label: "spool_log_group_commit_rounds_total")
    /// Partitions each round fsyncs: how much one round's work is shared (a histogram with Prometheus).
    private let roundPartitions = Recorder(label: "spool_log_group_commit_partitions")
    private let logger: Logger

    init(threadPool: NIOThreadPool, logger: Logger) {
        self.threadPool = threadPool
        self.logger = logger
    }

    /// How many rounds of fsyncs have run (each covers every append waiting when it started).
    var roundCount: Int { lock.withLock { roundsValue } }

    /// Returns once an fsync has covered `offset` in `log`.
    /// - Parameters:
    ///   - log: the partition log.
    ///   - offset: the last offset that must be durable.
    /// - Throws: the `LogError` of a failed fsync.
    func flush(_ log: PartitionLog, upTo offset: Int64) async throws {
        if log.flushedOffset > offset { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue(log, upTo: offset) { continuation.resume(with: $0) }
        }
    }

    /// Calls `completion` once an fsync has covered `offset` in `log` (at once when one already has).
    /// Callable from any thread; the fsync itself runs on the I/O pool.
    /// - Parameters:
    ///   - log: the partition log.
    ///   - offset: the last offset that must be durable.
    ///   - completion: called exactly once, on an I/O pool thread or the caller's.
    func enqueue(_ log: PartitionLog, upTo offset: Int64, completion: @escaping Completion) {
        if log.flushedOffset > offset { return completion(.success(())) }
        let start = lock.withLock { () -> Bool in
            pending[ObjectIdentifier(log), default: (log, [])].waiters.append(
                Waiter(offset: offset, completion: completion))
            if running { return false }
            running = true
            return true
        }
        if start { threadPool.submit { _ in self.runRounds() } }
    }

    /// Runs rounds until nobody waits. Each round takes the whole waiting list, so appends that arrive
    /// during its fsyncs wait for the next round.
    private func runRounds() {
        while let round = takeRound() {
            roundPartitions.record(round.count)
            for (log, waiters) in round {
                do {
                    let flushed = try log.flush()
                    var late: [Waiter] = []
                    for waiter in waiters {
                        if waiter.offset < flushed { waiter.completion(.success(())) } else { late.append(waiter) }
                    }
                    if !late.isEmpty { requeue(log, late) }
                } catch {
                    for waiter in waiters { waiter.completion(.failure(error)) }
                }
            }
        }
    }

    private func takeRound() -> [(PartitionLog, [Waiter])]? {
        lock.withLock {
            if pending.isEmpty {
                running = false
                return nil
            }
            let round = pending.values.map { ($0.log, $0.waiters) }
            pending.removeAll(keepingCapacity: true)
            roundsValue += 1
            rounds.increment()
            return round
        }
    }

    /// A waiter whose offset was appended after the round's snapshot (it asked for more than was written
    /// when the fsync started) waits for the next round.
    private func requeue(_ log: PartitionLog, _ waiters: [Waiter]) {
        lock.withLock { pending[ObjectIdentifier(log), default: (log, [])].waiters += waiters }
    }
}
