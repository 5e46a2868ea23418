import Logging
import Metrics
import NIOConcurrencyHelpers
import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// Everything the request handlers share: topics, logs, settings, the fetch waiters and the metrics.
/// Thread-safe: each part is.
final class BrokerState: Sendable {
    let configuration: BrokerConfiguration
    let catalog: TopicCatalog
    let logManager: LogManager
    let appends: AppendNotifier
    let metrics: BrokerMetrics
    let logger: Logger
    /// The consumer group coordinator (JoinGroup … OffsetFetch).
    let groups: GroupCoordinator
    /// Where committed offsets live.
    let groupStore: any GroupMetadataStore
    /// The node id of this (only) broker.
    let nodeId: Int32 = 1
    /// The cluster id reported in Metadata and DescribeCluster.
    let clusterId: String
    private let advertised: NIOLockedValueBox<ListenAddress>

    init(configuration: BrokerConfiguration, catalog: TopicCatalog, logManager: LogManager, clusterId: String,
         groups: GroupCoordinator, logger: Logger)
    {
        self.groups = groups
        self.groupStore = groups.store
        self.configuration = configuration
        self.catalog = catalog
        self.logManager = logManager
        self.appends = AppendNotifier()
        self.metrics = BrokerMetrics()
        self.logger = logger
        self.clusterId = clusterId
        self.advertised = NIOLockedValueBox(configuration.advertisedListen ?? configuration.listen)
    }

    /// The address clients are told to use.
    var advertisedAddress: ListenAddress { advertised.withLockedValue { $0 } }

    /// Called once the listener is bound, so that an ephemeral port (0) is advertised as the real one.
    func listenerBound(port: Int) {
        guard configuration.advertisedListen == nil else { return }
        advertised.withLockedValue { $0.port = port }
    }
}

/// swift-metrics numbers of the Kafka front. Thread-safe (metrics handlers are).
struct BrokerMetrics: Sendable {
    private let requests: [ApiKey: Counter]
    let bytesIn = Counter(label: "spool_bytes_in_total")
    let bytesOut = Counter(label: "spool_bytes_out_total")
    let produceLatency = Metrics.Timer(label: "spool_produce_latency_seconds")
    let fetchLatency = Metrics.Timer(label: "spool_fetch_latency_seconds")

    init() {
        var requests: [ApiKey: Counter] = [:]
        for key in SupportedVersions.table.keys {
            requests[key] = Counter(label: "spool_requests_total", dimensions: [("api", key.name)])
        }
        self.requests = requests
    }

    func request(_ key: ApiKey) {
        requests[key]?.increment()
    }
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
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLockedValue { state in
                state.nextId += 1
                state.waiters[state.nextId] = Waiter(partitions: partitions, continuation: continuation)
                return state.nextId
            }
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
            } else if alreadyChanged() {
                timeout.cancel()
                wake(id: id)
            }
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
        if let waiter = state.withLockedValue({ $0.waiters.removeValue(forKey: id) }) { waiter.continuation.resume() }
    }
}
