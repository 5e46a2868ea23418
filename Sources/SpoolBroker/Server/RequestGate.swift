import NIOConcurrencyHelpers

/// A one-shot signal that orders the effects of one connection's requests: request n's ordered part
/// (for Produce, its appends) starts only after request n-1 opened its gate. Kafka processes a
/// connection's requests in order; Spool keeps that order for effects while letting the slow part of a
/// request (waiting for an fsync) overlap with the next request's appends. Thread-safe.
final class RequestGate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Returns once the gate is open.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let openAlready = state.withLockedValue { state -> Bool in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if openAlready { continuation.resume() }
        }
    }

    /// Opens the gate (again is a no-op), letting the next request proceed.
    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            if state.isOpen { return [] }
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
