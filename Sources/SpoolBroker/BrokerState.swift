import Logging
import Metrics
import NIOConcurrencyHelpers
import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// What the partition handlers (Produce, Fetch, ListOffsets, DeleteRecords, OffsetForLeaderEpoch) share:
/// topics, logs, settings, the fetch waiters and the metrics. The other handlers hold only the parts they use.
/// Thread-safe: each part is.
final class BrokerState: Sendable {
    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    let logManager: LogManager
    let appends: AppendNotifier
    let metrics: BrokerMetrics
    let logger: Logger

    init(configuration: BrokerConfiguration, catalog: TopicCatalog, logManager: LogManager, logger: Logger) {
        self.configuration = configuration
        self.catalog = catalog
        self.logManager = logManager
        self.appends = AppendNotifier()
        self.metrics = BrokerMetrics()
        self.logger = logger
    }
}

/// swift-metrics numbers of the partition handlers (request counts per API are `RequestMetricsMiddleware`'s).
/// Thread-safe (metrics handlers are).
struct BrokerMetrics: Sendable {
    let bytesIn = Counter(label: "spool_bytes_in_total")
    let bytesOut = Counter(label: "spool_bytes_out_total")
    let produceLatency = Metrics.Timer(label: "spool_produce_latency_seconds")
    let fetchLatency = Metrics.Timer(label: "spool_fetch_latency_seconds")
}

/// Wakes fetches that wait for data (max_wait_ms) when a partition they read gets an append.
/// Thread-safe: a lock guards the waiters.
final class AppendNotifier: Sendable {
    private struct Waiter {
        let partitions: Set<TopicPartition>
        let continuation: CheckedContinuation<Void, Never>
        var timeout: Task<Void, Never>?
    }

    private struct State {
        var waiters: [Int: Waiter] = [:]
        var nextId = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Returns after an append to one of `partitions`, or after `timeoutMs`, whichever comes first; at once
    /// when `alreadyChanged` (evaluated after the waiter is registered) says data arrived meanwhile.
    func wait(for partitions: Set<TopicPartition>, timeoutMs: Int64, alreadyChanged: @Sendable () -> Bool) async {
        let id = state.withLockedValue { state in
            state.nextId += 1
            return state.nextId
        }
        // A fetch whose connection closed (its task cancelled) stops waiting at once.
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                state.withLockedValue { $0.waiters[id] = Waiter(partitions: partitions, continuation: continuation) }
                let timeout = Task {
                    try? await Task.sleep(for: .milliseconds(timeoutMs))
                    self.wake(id: id)
                }
                // The waiter may already have been woken (and removed) by an append; then cancel the timer.
                let stillWaiting = state.withLockedValue { state -> Bool in
                    guard state.waiters[id] != nil else { return false }
                    state.waiters[id]?.timeout = timeout
                    return true
                }
                if !stillWaiting {
                    timeout.cancel()
                } else if alreadyChanged() || Task.isCancelled {
                    // Cancelled before the waiter was registered: the cancellation handler found nothing to wake.
                    timeout.cancel()
                    wake(id: id)
                }
            }
        } onCancel: {
            wake(id: id)
        }
    }

    /// Wakes every fetch waiting on `partition`.
    func appended(to partition: TopicPartition) {
        let woken = state.withLockedValue { state -> [Waiter] in
            let matching = state.waiters.filter { $0.value.partitions.contains(partition) }
            for key in matching.keys { state.waiters.removeValue(forKey: key) }
            return Array(matching.values)
        }
        for waiter in woken {
            waiter.timeout?.cancel()
            waiter.continuation.resume()
        }
    }

    private func wake(id: Int) {
        guard let waiter = state.withLockedValue({ $0.waiters.removeValue(forKey: id) }) else { return }
        waiter.timeout?.cancel()
        waiter.continuation.resume()
    }
}
