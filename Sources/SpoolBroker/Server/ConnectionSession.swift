import NIOConcurrencyHelpers
import NIOCore
import SpoolLog
import SpoolProtocol

/// What the broker knows of one client connection across its requests: its id, the client's address, the
/// listener it came in on, who it is (its principal, once authenticated) and the client id it last sent.
/// Thread-safe: the mutable part is behind a lock, since requests of one connection run as concurrent tasks.
final class ConnectionSession: Sendable {
    private struct State {
        var clientId: String?
        var principal: KafkaPrincipal
        var sasl: SaslPhase
        /// Whether SASL authentication succeeded once: a later exchange is a re-authentication, which must
        /// prove the same principal.
        var authenticatedOnce = false
        /// The authorizer's answers for this connection's principal, valid while the ACLs are at `generation`.
        var decisions: [Decision: Bool] = [:]
        var decisionsGeneration: UInt64 = 0
    }

    private struct Decision: Hashable {
        let operation: AclOperation
        let resource: AclResource
    }

    /// Decisions a connection caches at most; past it the cache starts again (a client touching that many
    /// resources pays one authorizer call per resource again, nothing more).
    static let maximumCachedDecisions = 128
    /// Longer resource names are decided every time rather than cached, so that the cache stays within
    /// `maximumCachedDecisions × (this + a few dozen bytes)` (about 40 KiB) whatever names a client sends.
    static let maximumCachedNameBytes = 255

    private static let lastId = NIOLockedValueBox<UInt64>(0)

    /// Unique among the broker's connections since start-up; for logs.
    let id: UInt64
    /// The client's address, kept from the start: once the peer has gone the channel no longer knows it.
    let remote: String
    /// The client's host as Kafka reports it to group tools (`/127.0.0.1`).
    let host: String
    /// The name of the listener the connection came in on (`PLAINTEXT`, `SASL_SSL`, … as `listeners` names it).
    let listenerName: String
    /// Whether the listener uses SASL: when not, no request pays for the SASL checks.
    let requiresSasl: Bool
    /// The order of the connection's Produce appends: each request's follow the previous one's, and requests in
    /// flight together share a trip to the I/O pool.
    let appends = AppendQueue()
    private let state: NIOLockedValueBox<State>

    /// - Parameters:
    ///   - remote: the client's address, for logs.
    ///   - host: the client's host as group tools and ACLs see it (`/127.0.0.1`; ACLs match it without `/`).
    ///   - listenerName: the listener the connection came in on.
    ///   - principal: who the connection is before SASL (ANONYMOUS, or the client certificate's subject).
    ///   - requiresSasl: whether the listener serves nothing but ApiVersions and SASL before authentication.
    init(remote: String, host: String = "", listenerName: String = "PLAINTEXT",
         principal: KafkaPrincipal = .anonymous, requiresSasl: Bool = false)
    {
        self.id = Self.lastId.withLockedValue { last in
            last += 1
            return last
        }
        self.remote = remote
        self.host = host
        self.listenerName = listenerName
        self.requiresSasl = requiresSasl
        self.state = NIOLockedValueBox(
            State(principal: principal, sasl: requiresSasl ? .awaitingHandshake : .notRequired))
    }

    /// Who the connection acts as: what the authorizer checks.
    var principal: KafkaPrincipal { state.withLockedValue { $0.principal } }

    /// Records who the connection proved to be (a client certificate, or SASL authentication succeeded).
    func authenticated(as principal: KafkaPrincipal) {
        state.withLockedValue { state in
            state.principal = principal
            state.decisions = [:]
        }
    }

    /// Whether the connection may do `operation` on `resource`: the cached answer while the ACLs are still at
    /// `generation`, else `decide`'s answer for the principal, cached.
    func decision(_ operation: AclOperation, _ resource: AclResource, generation: UInt64,
                  decide: (KafkaPrincipal) -> Bool) -> Bool
    {
        state.withLockedValue { state in
            guard resource.name.utf8.count <= Self.maximumCachedNameBytes else { return decide(state.principal) }
            if state.decisionsGeneration != generation || state.decisions.count >= Self.maximumCachedDecisions {
                state.decisions = [:]
                state.decisionsGeneration = generation
            }
            let key = Decision(operation: operation, resource: resource)
            if let cached = state.decisions[key] { return cached }
            let allowed = decide(state.principal)
            state.decisions[key] = allowed
            return allowed
        }
    }

    /// Where the connection is in SASL authentication.
    var saslPhase: SaslPhase {
        get { state.withLockedValue { $0.sasl } }
        set { state.withLockedValue { $0.sasl = newValue } }
    }

    /// Whether SASL authentication has succeeded on this connection before (what re-authentication needs).
    var hasAuthenticated: Bool { state.withLockedValue { $0.authenticatedOnce } }

    /// Ends a successful SASL exchange: the principal, and until when it holds.
    func saslSucceeded(as principal: KafkaPrincipal, expiresAt: NIODeadline?) {
        state.withLockedValue {
            if $0.principal != principal { $0.decisions = [:] }
            $0.principal = principal
            $0.sasl = .authenticated(expiresAt: expiresAt)
            $0.authenticatedOnce = true
        }
    }

    /// Lets a request through, or refuses it when the connection has not authenticated (or its SASL session
    /// expired): only ApiVersions and the SASL APIs are served before. Kafka closes such a connection too.
    /// - Throws: `ConnectionError` saying why the connection is closed.
    func admit(_ apiKey: ApiKey) throws(ConnectionError) {
        guard requiresSasl else { return }
        if apiKey == .apiVersions || apiKey == .saslHandshake || apiKey == .saslAuthenticate { return }
        switch saslPhase {
        case .notRequired:
            return
        case .authenticated(let expiresAt):
            guard let expiresAt, expiresAt <= .now() else { return }
            throw ConnectionError(
                description: "\(apiKey.name) after the SASL session expired (connections.max.reauth.ms): the client "
                    + "must re-authenticate (KIP-368) before its session ends")
        case .failed:
            throw ConnectionError(description: "\(apiKey.name) after SASL authentication failed")
        case .awaitingHandshake, .handshaken, .exchanging:
            throw ConnectionError(
                description: "\(apiKey.name) before SASL authentication on listener \(listenerName): authenticate "
                    + "first (SaslHandshake, then SaslAuthenticate)")
        }
    }

    /// The client id of the latest request that carried one.
    var clientId: String? { state.withLockedValue { $0.clientId } }

    /// Records the client id a request header carried (nil leaves the previous one).
    func sawClientId(_ clientId: String?) {
        guard let clientId else { return }
        state.withLockedValue { $0.clientId = clientId }
    }
}
