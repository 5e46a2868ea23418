import NIOConcurrencyHelpers

/// Who this broker is to clients: its node id, the cluster id, and the address clients are told to use on each
/// listener (Metadata answers a client with the address of the listener it came in on, as Kafka does).
/// Thread-safe: the advertised addresses (ports set once the listeners are bound) are behind a lock.
final class ClusterIdentity: Sendable {
    /// The node id of this (only) broker.
    let nodeId: Int32 = 1
    /// The cluster id reported in Metadata and DescribeCluster.
    let clusterId: String
    /// The first listener's name: whose address stands for the broker where no connection is involved.
    let primaryListener: String
    /// Listeners whose address clients get as bound (no `advertised.listeners` entry): a port 0 becomes the real one.
    private let followsBinding: Set<String>
    private let advertised: NIOLockedValueBox<[String: ListenAddress]>

    /// - Parameters:
    ///   - clusterId: the cluster id.
    ///   - listeners: the listeners, first the primary one.
    init(clusterId: String, listeners: [ListenerSpec]) {
        self.clusterId = clusterId
        self.primaryListener = listeners.first?.name ?? "PLAINTEXT"
        var addresses: [String: ListenAddress] = [:]
        var followsBinding: Set<String> = []
        for listener in listeners {
            if let advertised = listener.advertised {
                addresses[listener.name] = advertised
            } else {
                followsBinding.insert(listener.name)
                var address = listener.address
                // A listener on every interface is advertised by this machine's name, as Kafka does.
                if address.host == "0.0.0.0" || address.host == "::" { address.host = localHostName() }
                addresses[listener.name] = address
            }
        }
        self.followsBinding = followsBinding
        self.advertised = NIOLockedValueBox(addresses)
    }

    /// The address clients of the primary listener are told to use.
    var advertisedAddress: ListenAddress { advertisedAddress(for: primaryListener) }

    /// The address a client that came in on `listener` is told to use.
    func advertisedAddress(for listener: String) -> ListenAddress {
        advertised.withLockedValue { $0[listener] ?? $0[primaryListener] ?? ListenAddress(host: "localhost", port: 9092) }
    }

    /// Called once a listener is bound, so that an ephemeral port (0) is advertised as the real one.
    func listenerBound(_ listener: String, port: Int) {
        guard followsBinding.contains(listener) else { return }
        advertised.withLockedValue { $0[listener]?.port = port }
    }
}
