import NIOConcurrencyHelpers

/// The order of one source's appends (a connection's produce requests): `LogManager.append(_:in:completion:)`
/// appends what is submitted to one queue strictly in submission order, one submission at a time, one pool thread
/// at a time: a turn on the pool appends everything queued when it starts.
///
/// Thread-safe. Holds at most the submissions not yet appended; a connection bounds them by its requests in
/// flight (`max.in.flight.requests.per.connection`).
public final class AppendQueue: Sendable {
    struct Job: Sendable {
        let parts: [LogManager.AppendPart]
        let completion: @Sendable ([Result<AppendedBatches, any Error>]) -> Void
    }

    private struct State {
        var jobs: [Job] = []
        /// Whether a pool thread is working through the queue (it takes what is added meanwhile).
        var draining = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Queues `job`; true when no pool thread is working through the queue, so the caller must start one.
    func add(_ job: Job) -> Bool {
        state.withLockedValue { state in
            state.jobs.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
    }

    /// Takes every queued job, in order, for one turn of the pool thread.
    func take() -> [Job] {
        state.withLockedValue { state in
            defer { state.jobs = [] }
            return state.jobs
        }
    }

    /// Ends a turn: true when jobs arrived during it, so the caller must give the queue another turn (queued on
    /// the pool behind other work, so that a connection that never lets its queue empty cannot hold a pool thread
    /// forever); false when the queue is empty and idle.
    func endTurn() -> Bool {
        state.withLockedValue { state in
            if state.jobs.isEmpty { state.draining = false }
            return state.draining
        }
    }
}
