import Metrics

/// Share-group (KIP-932 queue) traffic, broker-wide: records acquired by share fetches and records acknowledged,
/// by type. Per-group and per-partition state is read when `/metrics` is scraped instead (`ScrapeFamilies`).
///
/// Thread-safe (metrics handlers are).
struct ShareMetrics: Sendable {
    private let acquired = Counter(label: "spool_share_acquired_records_total")
    /// By the wire's acknowledge type: 0 gap, 1 accept, 2 release, 3 reject.
    private let acknowledged: [Counter] = ["gap", "accept", "release", "reject"].map {
        Counter(label: "spool_share_acknowledged_records_total", dimensions: [("type", $0)])
    }

    /// Counts records a share fetch acquired.
    func acquired(_ records: Int) {
        if records > 0 { acquired.increment(by: records) }
    }

    /// Counts the records of acknowledgement batches that were applied.
    func acknowledged(_ batches: [AcknowledgementBatch]) {
        for batch in batches {
            if batch.acknowledgeTypes.count == 1, let type = batch.acknowledgeTypes.first {
                count(type, Int(batch.lastOffset - batch.firstOffset + 1))
            } else {
                for type in batch.acknowledgeTypes { count(type, 1) }
            }
        }
    }

    private func count(_ type: Int8, _ records: Int) {
        guard acknowledged.indices.contains(Int(type)) else { return }
        acknowledged[Int(type)].increment(by: records)
    }
}
