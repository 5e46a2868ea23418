import NIOConcurrencyHelpers

/// Runs async critical sections one at a time, in arrival order: a lock that may be held across `await`, for
/// read-modify-write sequences whose write is a database call (a group's config overrides). Thread-safe.
final class AsyncExclusion: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Runs `body` once no other body of this exclusion runs.
    func run<T: Sendable>(_ body: () async -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLockedValue { state -> Bool in
                if !state.held {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
        let result = await body()
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()  // still held: handed to the next in line
        return result
    }
}
