import Metrics
import NIOConcurrencyHelpers

/// The broker-wide budget for request bytes (`queued.max.request.bytes`), Kafka's memory pool: a connection
/// reserves a frame's announced size when its size prefix arrives, before buffering any of its body, and gives
/// it back once the request has been handled (or the connection closed). A connection that finds the budget
/// spent stops reading and is called back when bytes are released, as Kafka mutes such a channel.
///
/// A frame larger than the whole budget is admitted only when nothing else is reserved, so any frame up to
/// `socket.request.max.bytes` can be received. A small frame on a connection that holds nothing else is
/// admitted past the budget (`force`), so that ordinary clients are not held up behind others' large frames;
/// the pool then holds at most `max(capacity, largest frame)` plus one small frame per connection.
/// Thread-safe: a lock guards the count and the waiters.
final class RequestMemoryPool: Sendable {
    private struct State {
        var reservedBytes = 0
        var waiters: [ObjectIdentifier: @Sendable () -> Void] = [:]
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

    /// Reserves `bytes` when the budget allows or `force` says to; otherwise registers `wake` (keyed by `waiter`,
    /// replacing an earlier one) to be called once after the next release, and returns false.
    func reserve(_ bytes: Int, force: Bool, waiter: ObjectIdentifier, wake: @escaping @Sendable () -> Void) -> Bool {
        let total = state.withLockedValue { state -> Int? in
            guard force || state.reservedBytes == 0 || state.reservedBytes + bytes <= capacityBytes else {
                state.waiters[waiter] = wake
                return nil
            }
            state.reservedBytes += bytes
            return state.reservedBytes
        }
        guard let total else { return false }
        gauge.record(total)
        return true
    }

    /// Gives back `bytes` reserved earlier and wakes every waiting connection (each tries again and waits
    /// again if the budget is still short).
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let (total, waiters) = state.withLockedValue { state -> (Int, [@Sendable () -> Void]) in
            precondition(state.reservedBytes >= bytes, "released more request bytes than were reserved")
            state.reservedBytes -= bytes
            guard !state.waiters.isEmpty else { return (state.reservedBytes, []) }
            defer { state.waiters.removeAll(keepingCapacity: true) }
            return (state.reservedBytes, Array(state.waiters.values))
        }
        gauge.record(total)
        for wake in waiters { wake() }
    }

    /// Forgets a waiter whose connection closed.
    func cancelWait(_ waiter: ObjectIdentifier) {
        _ = state.withLockedValue { $0.waiters.removeValue(forKey: waiter) }
    }
}
