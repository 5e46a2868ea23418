import NIOConcurrencyHelpers

/// What the broker knows of one client connection across its requests: its id, the client's address and the
/// client id it last sent. SASL authentication and share-group sessions will keep their state here too.
/// Thread-safe: the mutable part is behind a lock, since requests of one connection run as concurrent tasks.
final class ConnectionSession: Sendable {
    private struct State {
        var clientId: String?
    }

    private static let lastId = NIOLockedValueBox<UInt64>(0)

    /// Unique among the broker's connections since start-up; for logs.
    let id: UInt64
    /// The client's address, kept from the start: once the peer has gone the channel no longer knows it.
    let remote: String
    /// The client's host as Kafka reports it to group tools (`/127.0.0.1`).
    let host: String
    private let state = NIOLockedValueBox(State())

    init(remote: String, host: String = "") {
        self.id = Self.lastId.withLockedValue { last in
            last += 1
            return last
        }
        self.remote = remote
        self.host = host
    }

    /// The client id of the latest request that carried one.
    var clientId: String? { state.withLockedValue { $0.clientId } }

    /// Records the client id a request header carried (nil leaves the previous one).
    func sawClientId(_ clientId: String?) {
        guard let clientId else { return }
        state.withLockedValue { $0.clientId = clientId }
    }
}
