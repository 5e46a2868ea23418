import Metrics

/// The transaction coordinator's numbers: transactions ended by outcome, timeouts, marker writes that failed (the
/// transaction then stays preparing until the sweep finishes it) and the open transactions.
///
/// Thread-safe (metrics handlers are).
struct TransactionMetrics: Sendable {
    private let committed = Counter(label: "spool_transactions_total", dimensions: [("result", "commit")])
    private let aborted = Counter(label: "spool_transactions_total", dimensions: [("result", "abort")])
    private let timedOut = Counter(label: "spool_transactions_timed_out_total")
    private let markerFailures = Counter(label: "spool_transaction_marker_failures_total")
    private let open = Gauge(label: "spool_transactions_open")

    func ended(commit: Bool) { (commit ? committed : aborted).increment() }
    func timeout() { timedOut.increment() }
    func markersFailed() { markerFailures.increment() }
    func open(_ count: Int) { open.record(count) }
}
