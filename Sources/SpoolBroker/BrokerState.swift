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
    /// The partition layer: appends, reads, offsets and waits.
    let partitions: PartitionManager
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
        self.partitions = PartitionManager(
            catalog: catalog, logManager: logManager, configuration: configuration, logger: logger)
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
