import NIOConcurrencyHelpers

/// The order of one source's appends (a connection's produce requests): `LogManager.append(_:in:completion:)`
/// appends what is submitted to one queue strictly in submission order, one submission at a time, on one pool
/// thread that works through everything queued before it returns to the pool.
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

    /// Takes every queued job, in order; nil when there are none, which ends the pool thread's turn.
    func next() -> [Job]? {
        state.withLockedValue { state in
            guard !state.jobs.isEmpty else {
                state.draining = false
                return nil
            }
            defer { state.jobs = [] }
            return state.jobs
        }
    }
}
