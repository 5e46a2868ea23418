import Metrics
import Synchronization

/// Reply bytes handed to connections and not yet written to their sockets, counted broker-wide
/// (`spool_unsent_reply_bytes`): what clients that do not read make the broker hold. File slices (Fetch record
/// data sent with sendfile) count too, to show what is queued, although they are page cache rather than broker
/// memory and do not hold a connection back. Thread-safe (an atomic).
final class UnsentReplyBytes: Sendable {
    private let total = Atomic<Int>(0)
    private let gauge = Gauge(label: "spool_unsent_reply_bytes")

    /// Bytes unsent now, over all connections.
    var bytes: Int { total.load(ordering: .relaxed) }

    func add(_ bytes: Int) {
        gauge.record(total.add(bytes, ordering: .relaxed).newValue)
    }

    func remove(_ bytes: Int) {
        gauge.record(total.subtract(bytes, ordering: .relaxed).newValue)
    }
}
