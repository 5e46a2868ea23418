import CoreMetrics
import Foundation
import Prometheus

/// The Prometheus side of the broker's numbers: the swift-metrics backend (a swift-prometheus registry that every
/// `Counter`, `Timer` and `Gauge` in Spool records into) and the `/metrics` text, which adds families computed
/// from the broker's state when scraped: per-partition offsets and sizes, consumer-group lag, share-group counts
/// and the process's memory and descriptors. docs/metrics.md lists every family and its worst-case series count.
///
/// Thread-safe: the registry is, and the rest is immutable.
public final class PrometheusExporter: Sendable {
    /// Where the swift-metrics instruments record.
    let registry: PrometheusCollectorRegistry
    /// When the metrics system was bootstrapped, at process start (`process_start_time_seconds`).
    let startTimeSeconds: Double

    private init() {
        registry = PrometheusCollectorRegistry()
        startTimeSeconds = Date().timeIntervalSince1970
    }

    /// swift-metrics allows one bootstrap per process; this runs it the first time and hands out the same
    /// exporter afterwards (a test process starts several brokers). Swift initialises a static once, safely.
    private static let shared: PrometheusExporter = {
        let exporter = PrometheusExporter()
        MetricsSystem.bootstrap(SpoolMetricsFactory(registry: exporter.registry))
        return exporter
    }()

    /// Makes swift-metrics record into a Prometheus registry, once per process, and returns its exporter.
    /// Call it before the broker opens: instruments made before it record nowhere.
    /// - Returns: the process's exporter; every call returns the same one.
    public static func bootstrap() -> PrometheusExporter {
        shared
    }

    /// The `/metrics` text (exposition format 0.0.4): the registry's families, then those computed from
    /// `broker` now. Blocking reads (log sizes, `/proc`) run on the broker's I/O pool, not the caller's thread.
    /// - Parameter broker: the broker to describe.
    /// - Returns: the text, with a HELP and a TYPE line for every family.
    public func render(_ broker: Broker) async -> String {
        let snapshot = await broker.metricsSnapshot()
        var text = MetricsText(reservingCapacity: 4096 + snapshot.partitions.count * 200)
        text.append(registry.emitToBuffer())
        var families = ScrapeFamilies(
            snapshot: snapshot, seriesMaximum: broker.configuration.metricsPartitionSeriesMaximum)
        families.write(into: &text)
        ProcessFamilies(process: snapshot.process, startTimeSeconds: startTimeSeconds).write(into: &text)
        return text.text
    }

    /// The `/metrics` text before the broker has opened (while its logs recover): the registry's families and
    /// the process's figures.
    /// - Returns: the text.
    public func render() -> String {
        var text = MetricsText(reservingCapacity: 4096)
        text.append(registry.emitToBuffer())
        ProcessFamilies(process: ProcessSnapshot.read(), startTimeSeconds: startTimeSeconds).write(into: &text)
        return text.text
    }
}
