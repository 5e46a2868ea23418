import Foundation
import Histogram
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds on the monotonic clock: comparable between tasks of one process, never between machines.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Counts records, bytes and latencies of one benchmark run, for the whole run and for the current
/// progress interval. Latencies go into HdrHistograms in microseconds (3 significant digits, up to 10 min).
///
/// Thread-safe: one lock around the counters, taken once per record (tens of nanoseconds uncontended).
final class BenchMeter: Sendable {
    struct Totals {
        var records = 0
        var bytes = 0
        var errors = 0
        var firstError: String?
        var latency = BenchMeter.histogram()
    }

    private struct State {
        var total = Totals()
        var interval = Totals()
    }

    private let state = NIOLockedValueBox(State())

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Counts one record of `bytes` whose latency was `latencyNanoseconds` (nil: no latency to record).
    func record(bytes: Int, latencyNanoseconds: UInt64?) {
        let micros = latencyNanoseconds.map { Swift.max($0 / 1_000, 1) }
        state.withLockedValue { state in
            state.total.records += 1
            state.total.bytes += bytes
            state.interval.records += 1
            state.interval.bytes += bytes
            if let micros {
                _ = state.total.latency.record(micros)
                _ = state.interval.latency.record(micros)
            }
        }
    }

    /// Counts `count` records of `bytes` in all that share one latency (a whole fetched batch, say).
    func record(records count: Int, bytes: Int, latencyNanoseconds: UInt64) {
        let micros = Swift.max(latencyNanoseconds / 1_000, 1)
        state.withLockedValue { state in
            state.total.records += count
            state.total.bytes += bytes
            state.interval.records += count
            state.interval.bytes += bytes
            _ = state.total.latency.record(micros)
            _ = state.interval.latency.record(micros)
        }
    }

    /// Counts records with one latency each (a share batch's acceptance), taking the lock once.
    func record(bytes: Int, latenciesNanoseconds: [UInt64]) {
        state.withLockedValue { state in
            state.total.records += latenciesNanoseconds.count
            state.total.bytes += bytes
            state.interval.records += latenciesNanoseconds.count
            state.interval.bytes += bytes
            for latency in latenciesNanoseconds {
                let micros = Swift.max(latency / 1_000, 1)
                _ = state.total.latency.record(micros)
                _ = state.interval.latency.record(micros)
            }
        }
    }

    /// Counts a failed record; the first error's text is kept for the report.
    func fail(_ error: any Error) {
        state.withLockedValue { state in
            state.total.errors += 1
            if state.total.firstError == nil { state.total.firstError = "\(error)" }
        }
    }

    /// Records counted so far (failures not included).
    var records: Int { state.withLockedValue { $0.total.records } }

    /// Records counted plus records failed.
    var finished: Int { state.withLockedValue { $0.total.records + $0.total.errors } }

    /// The whole run so far.
    var totals: Totals { state.withLockedValue { $0.total } }

    /// The interval since the last call, and a new interval begun.
    func takeInterval() -> Totals {
        state.withLockedValue { state in
            let interval = state.interval
            state.interval = Totals()
            return interval
        }
    }
}

/// Prints one progress line per second to standard error until cancelled.
/// - Parameters:
///   - meter: what to report.
///   - label: the mode, at the start of each line.
func reportProgress(_ meter: BenchMeter, label: String) async {
    var last = ContinuousClock.now
    let start = last
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(1))
        if Task.isCancelled { return }
        let now = ContinuousClock.now
        let seconds = Double((now - last).components.attoseconds) / 1e18 + Double((now - last).components.seconds)
        let elapsed = (now - start).components.seconds
        last = now
        let interval = meter.takeInterval()
        let line = label + String(
            format: " %3llds  %10.0f records/s  %8.1f MB/s  p50 %7.2f ms  p99 %7.2f ms  total %d\n",
            elapsed, Double(interval.records) / seconds, Double(interval.bytes) / seconds / 1e6,
            milliseconds(interval.latency, 50), milliseconds(interval.latency, 99), meter.records)
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// A percentile of a microsecond histogram in milliseconds (0 when empty).
func milliseconds(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double {
    histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1_000
}

/// Spaces records `intervalNanoseconds` apart from `start`: a record ahead of its slot waits. It sleeps only
/// when a millisecond or more ahead, so at high rates records leave in short bursts rather than one by one.
struct Pacer {
    let start: UInt64
    let intervalNanoseconds: UInt64?

    /// - Parameter rate: records per second, or nil for as fast as possible.
    init(rate: Double?) {
        start = monotonicNanoseconds()
        intervalNanoseconds = rate.map { UInt64(1e9 / $0) }
    }

    /// How many records are due by now (all of them when the rate is unbounded).
    func due(now: UInt64) -> Int {
        guard let intervalNanoseconds else { return Int.max }
        return Int((now &- start) / intervalNanoseconds) + 1
    }

    /// Waits until record `index` is due.
    func wait(for index: Int) async {
        guard let intervalNanoseconds else { return }
        let due = start + UInt64(index) * intervalNanoseconds
        let now = monotonicNanoseconds()
        if due > now + 1_000_000 { try? await Task.sleep(for: .nanoseconds(Int64(due - now))) }
    }
}
