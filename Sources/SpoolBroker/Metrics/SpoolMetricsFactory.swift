import CoreMetrics
import Prometheus

/// The swift-metrics backend `spool serve` bootstraps: swift-prometheus's registry, with a help text for every
/// family Spool records (`PrometheusMetricsFactory` passes none, and then no `# HELP` line is written) and
/// buckets sized for a broker: sub-millisecond to seconds for timers, 1 to 20,000 for partition counts.
///
/// Thread-safe: immutable; the registry is.
struct SpoolMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry

    /// fsyncs and requests on a local disk take from tens of microseconds to tens of milliseconds; the
    /// default buckets (5 ms and up) would put nearly every one in the first bucket.
    static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Partitions in one group-commit round: from one to the broker's partition limit.
    static let valueBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]

    private func help(_ label: String) -> String {
        MetricsHelp.recorded[label] ?? "Spool metric \(label) (see docs/metrics.md)."
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(label))
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: help(label))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(name: label, labels: dimensions, help: help(label)) }
        return registry.makeValueHistogram(
            name: label, labels: dimensions, buckets: Self.valueBuckets, help: help(label))
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(name: label, labels: dimensions, help: help(label))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            name: label, labels: dimensions, buckets: Self.durationBuckets, help: help(label))
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}

/// Help texts of the instruments Spool records through swift-metrics, by family name.
enum MetricsHelp {
    static let recorded: [String: String] = [
        "spool_requests_total": "Kafka requests received, per API and version.",
        "spool_request_errors_total":
            "Kafka requests whose handling failed and closed the connection, per API and version.",
        "spool_request_duration_seconds": "Time from a decoded request to its reply, per API.",
        "spool_bytes_in_total": "Record batch bytes received in Produce requests.",
        "spool_bytes_out_total": "Record batch bytes returned by Fetch requests.",
        "spool_produce_latency_seconds": "Time to append a Produce request's records and meet its acks.",
        "spool_fetch_latency_seconds": "Time to answer a Fetch, its long-poll wait included.",
        "spool_fetch_reads_total":
            "Fetch reads of the log, by where they were answered: memory (no I/O) or pool (the I/O pool read files).",
        "spool_topic_produced_records_total": "Records appended, per topic.",
        "spool_topic_produced_bytes_total": "Record batch bytes appended, per topic.",
        "spool_topic_fetched_bytes_total": "Record batch bytes returned by Fetch, per topic.",
        "spool_connections_accepted_total": "Kafka connections accepted.",
        "spool_connections_refused_total": "Kafka connections refused because max.connections was reached.",
        "spool_log_fsync_seconds":
            "Time of one partition's fdatasync of its log data (or of the syncfs that covered it), over all partitions.",
        "spool_log_group_commit_rounds_total": "Group-commit rounds run (each makes every waiting partition durable once).",
        "spool_log_group_commit_syncfs_total": "Group-commit rounds made durable by one syncfs of the data directory.",
        "spool_log_group_commit_partitions": "Partitions made durable in one group-commit round.",
        "spool_share_acquired_records_total": "Records share fetches acquired for share-group members.",
        "spool_share_acknowledged_records_total":
            "Share-group records acknowledged, by type: accept, release, reject, gap.",
        "spool_transactions_total": "Transactions ended, by result: commit, abort.",
        "spool_transactions_timed_out_total": "Open transactions aborted past their transaction.timeout.ms.",
        "spool_transaction_marker_failures_total":
            "Transaction marker writes that failed; the transaction stays preparing until the sweep finishes it.",
        "spool_transactions_open": "Transactions open now.",
        "spool_sasl_authentications_total":
            "SASL authentications on SASL listeners, by result (success, failure); re-authentications included.",
        "spool_unsent_reply_bytes": "Reply bytes written to connections and not yet sent.",
        "spool_queued_request_bytes": "Request bytes held in memory, waiting or being handled.",
    ]
}
