import Metrics
import NIOConcurrencyHelpers

/// The broker-wide budget for request bytes (`queued.max.request.bytes`), Kafka's memory pool: a connection
/// reserves a frame's announced size when its size prefix arrives, before buffering any of its body, and gives
/// it back once the request has been handled (or the connection closed). A connection that finds the budget
/// spent stops reading until the pool grants its reservation, first come first served, as Kafka mutes such a
/// channel.
///
/// A frame larger than the whole budget is admitted only when nothing else is reserved, so any frame up to
/// `socket.request.max.bytes` can be received. A small frame on a connection that holds nothing else is
/// admitted past the budget (`force`), so that ordinary clients are not held up behind others' large frames;
/// the pool then holds at most `max(capacity, largest frame)` plus one small frame per connection.
/// Thread-safe: a lock guards the count and the waiters.
final class RequestMemoryPool: Sendable {
    private struct Waiter {
        let id: ObjectIdentifier
        let bytes: Int
        let granted: @Sendable (Int) -> Void
    }

    private struct State {
        var reservedBytes = 0
        /// Connections waiting for memory, in the order they began to wait.
        var waiters: [Waiter] = []
    }

    /// The budget in bytes.
    let capacityBytes: Int
    private let state = NIOLockedValueBox(State())
    private let gauge = Gauge(label: "spool_queued_request_bytes")

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// Bytes reserved now, by all connections.
    var reservedBytes: Int { state.withLockedValue { $0.reservedBytes } }

    /// Reserves `bytes` when the budget allows or `force` says to, and returns true. Otherwise queues the
    /// waiter (replacing its earlier wait) and returns false: once releases make room, in the order the waiters
    /// came, the pool reserves the bytes for it and calls `granted` with their count (on the releasing thread).
    func reserve(_ bytes: Int, force: Bool, waiter: ObjectIdentifier,
                 granted: @escaping @Sendable (Int) -> Void) -> Bool
    {
        let total = state.withLockedValue { state -> Int? in
            guard force || fits(bytes, state) else {
                state.waiters.removeAll { $0.id == waiter }
                state.waiters.append(Waiter(id: waiter, bytes: bytes, granted: granted))
                return nil
            }
            state.reservedBytes += bytes
            return state.reservedBytes
        }
        guard let total else { return false }
        gauge.record(total)
        return true
    }

    /// Gives back `bytes` reserved earlier, and grants the first waiters whose frames now fit.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let (total, granted) = state.withLockedValue { state -> (Int, [Waiter]) in
            precondition(state.reservedBytes >= bytes, "released more request bytes than were reserved")
            state.reservedBytes -= bytes
            var granted: [Waiter] = []
            while let first = state.waiters.first, fits(first.bytes, state) {
                state.waiters.removeFirst()
                state.reservedBytes += first.bytes
                granted.append(first)
            }
            return (state.reservedBytes, granted)
        }
        gauge.record(total)
        for waiter in granted { waiter.granted(waiter.bytes) }
    }

    /// Forgets a waiter whose connection closed.
    func cancelWait(_ waiter: ObjectIdentifier) {
        state.withLockedValue { $0.waiters.removeAll { $0.id == waiter } }
    }

    private func fits(_ bytes: Int, _ state: State) -> Bool {
        state.reservedBytes == 0 || state.reservedBytes + bytes <= capacityBytes
    }
}
