import NIOConcurrencyHelpers

/// The signal that orders the effects of one connection's requests. Kafka processes a connection's requests in
/// order; Spool keeps that order for effects while letting the slow part of a request (waiting for an fsync)
/// overlap with the next request's work.
///
/// A gate has two levels. It is *open* once its request's ordered part is done (`open()`) and the gate of the
/// request before it is open too, so an open gate means every earlier request's effects are done: a request
/// other than Produce starts its ordered part once the previous gate is open. It is *checked* once it is open,
/// or earlier when a Produce has checked its partitions and queued its appends (`openChecked()`): the next
/// Produce may then run its own checks, since its appends follow in the connection's `AppendQueue` and checks
/// do not read what appends write. Thread-safe.
final class RequestGate: Sendable {
    /// What a request waits for on the gate before it.
    enum Level: Sendable {
        /// The previous request's checks are done and its appends queued (a Produce's wait).
        case checked
        /// Every earlier request's ordered part is done.
        case open
    }

    private struct State {
        var checked = false
        var opened = false
        /// `open()` was called: this request's own part is done.
        var done = false
        /// The previous request's gate is open (true for a connection's first request).
        var previousOpen: Bool
        var waiters: [(Level, CheckedContinuation<Void, Never>)] = []
        var next: RequestGate?
    }

    private let state: NIOLockedValueBox<State>

    /// A gate that opens after `previous` (nil for the first request of a connection).
    init(after previous: RequestGate? = nil) {
        state = NIOLockedValueBox(State(previousOpen: previous == nil))
        previous?.follow(with: self)
    }

    /// Returns once the gate has reached `level`.
    func wait(_ level: Level) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let reached = state.withLockedValue { state -> Bool in
                if state.opened || (level == .checked && state.checked) { return true }
                state.waiters.append((level, continuation))
                return false
            }
            if reached { continuation.resume() }
        }
    }

    /// Lets the next Produce run its checks (a Produce calls it once its appends are queued).
    func openChecked() {
        let released = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard !state.checked else { return [] }
            state.checked = true
            return Self.take(&state.waiters, reached: .checked)
        }
        for waiter in released { waiter.resume() }
    }

    /// Marks this request's ordered part done (again is a no-op); the gate opens once the previous one is open.
    func open() {
        let opened = state.withLockedValue { state -> Bool in
            guard !state.done else { return false }
            state.done = true
            return state.previousOpen
        }
        if opened { becomeOpen() }
    }

    private func follow(with next: RequestGate) {
        let openAlready = state.withLockedValue { state -> Bool in
            if state.opened { return true }
            state.next = next
            return false
        }
        if openAlready { next.previousOpened() }
    }

    private func previousOpened() {
        let opened = state.withLockedValue { state -> Bool in
            state.previousOpen = true
            return state.done
        }
        if opened { becomeOpen() }
    }

    private func becomeOpen() {
        let (released, next) = state.withLockedValue { state -> ([CheckedContinuation<Void, Never>], RequestGate?) in
            state.opened = true
            state.checked = true
            defer {
                state.next = nil
                state.waiters = []
            }
            return (state.waiters.map(\.1), state.next)
        }
        for waiter in released { waiter.resume() }
        next?.previousOpened()
    }

    private static func take(
        _ waiters: inout [(Level, CheckedContinuation<Void, Never>)], reached level: Level
    ) -> [CheckedContinuation<Void, Never>] {
        let released = waiters.filter { $0.0 == level }.map(\.1)
        waiters.removeAll { $0.0 == level }
        return released
    }
}
