import NIOConcurrencyHelpers

/// Runs async work items one at a time in the order they were enqueued, on a task started when the queue
/// goes from idle to busy (so it needs no service to drive it). Thread-safe.
final class SerialTaskQueue: Sendable {
    typealias Work = @Sendable () async -> Void

    private struct State {
        var queue: [Work] = []
        var running = false
    }

    private let state = NIOLockedValueBox(State())

    /// Queues `work` after everything queued before it.
    func enqueue(_ work: @escaping Work) {
        let start = state.withLockedValue { state -> Bool in
            state.queue.append(work)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    /// Queues `body` and returns its result once it has run.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            enqueue {
                do {
                    continuation.resume(returning: try await body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func drain() async {
        while true {
            let next = state.withLockedValue { state -> Work? in
                guard !state.queue.isEmpty else {
                    state.running = false
                    return nil
                }
                return state.queue.removeFirst()
            }
            guard let next else { return }
            await next()
        }
    }
}
