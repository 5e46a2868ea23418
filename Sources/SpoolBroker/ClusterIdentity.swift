import NIOConcurrencyHelpers

/// Who this broker is to clients: its node id, the cluster id, and the address clients are told to use.
/// Thread-safe: the advertised address (set once the listener is bound) is behind a lock.
final class ClusterIdentity: Sendable {
    /// The node id of this (only) broker.
    let nodeId: Int32 = 1
    /// The cluster id reported in Metadata and DescribeCluster.
    let clusterId: String
    private let configuredAdvertised: Bool
    private let advertised: NIOLockedValueBox<ListenAddress>

    init(clusterId: String, configuration: BrokerConfiguration) {
        self.clusterId = clusterId
        self.configuredAdvertised = configuration.advertisedListen != nil
        self.advertised = NIOLockedValueBox(configuration.advertisedListen ?? configuration.listen)
    }

    /// The address clients are told to use.
    var advertisedAddress: ListenAddress { advertised.withLockedValue { $0 } }

    /// Called once the listener is bound, so that an ephemeral port (0) is advertised as the real one.
    func listenerBound(port: Int) {
        guard !configuredAdvertised else { return }
        advertised.withLockedValue { $0.port = port }
    }
}
