import Logging
import Metrics
import NIOCore

/// Runs SASL for the broker's SASL listeners: which mechanisms are offered (`sasl.enabled.mechanisms`), how
/// long an authentication holds (`connections.max.reauth.ms`), and each connection's exchange, fed by
/// SaslHandshake and SaslAuthenticate or, for clients older than KIP-152, by bare token frames. A failure is
/// answered (SASL_AUTHENTICATION_FAILED, or the connection closed for bare tokens), logged once through the
/// refusal log without any secret, and counted. Thread-safe: immutable; a connection's state is in its session.
final class SaslAuthenticator: Sendable {
    /// The mechanisms offered, in the order SaslHandshake lists them.
    let mechanisms: [SaslMechanismName]
    private let verifier: any SaslCredentialVerifier
    /// How long an authentication holds before the client must authenticate again; nil: for ever.
    private let reauthentication: TimeAmount?
    private let successes = Counter(label: "spool_sasl_authentications_total", dimensions: [("result", "success")])
    private let failures = Counter(label: "spool_sasl_authentications_total", dimensions: [("result", "failure")])

    /// - Parameters:
    ///   - mechanisms: what `sasl.enabled.mechanisms` turns on.
    ///   - verifier: the credentials mechanisms check against.
    ///   - reauthenticationMs: `connections.max.reauth.ms`; 0 turns re-authentication off.
    init(mechanisms: [SaslMechanismName], verifier: any SaslCredentialVerifier, reauthenticationMs: Int64) {
        self.mechanisms = mechanisms
        self.verifier = verifier
        self.reauthentication = reauthenticationMs > 0 ? .milliseconds(reauthenticationMs) : nil
    }

    /// What SaslHandshake lists.
    var mechanismNames: [String] { mechanisms.map(\.rawValue) }

    /// A fresh exchange for `mechanism`.
    private func exchange(_ mechanism: SaslMechanismName) -> any SaslServerExchange {
        switch mechanism {
        case .plain: PlainExchange(verifier: verifier)
        case .scramSHA256, .scramSHA512: verifier.scramExchange(mechanism)
        }
    }

    /// SaslHandshake: chooses the mechanism for the tokens that follow.
    /// - Returns: the error code to answer (0, UNSUPPORTED_SASL_MECHANISM or ILLEGAL_SASL_STATE).
    func handshake(mechanism name: String, version: Int16, context: RequestContext) -> KafkaErrorCode {
        let session = context.session
        switch session.saslPhase {
        case .awaitingHandshake:
            break
        case .authenticated where version >= 1 && reauthentication != nil:
            break  // KIP-368 re-authentication: a v1 handshake on an authenticated connection.
        case .notRequired:
            context.refusals.refused(
                context, code: .illegalSaslState,
                reason: "SaslHandshake on listener \(session.listenerName), which does not use SASL")
            return .illegalSaslState
        default:
            session.saslPhase = .failed
            context.refusals.refused(context, code: .illegalSaslState, reason: "SaslHandshake out of turn")
            return .illegalSaslState
        }
        guard let mechanism = SaslMechanismName(rawValue: name), mechanisms.contains(mechanism) else {
            session.saslPhase = .failed
            context.refusals.refused(
                context, code: .unsupportedSaslMechanism,
                reason: "SASL mechanism \(name) is not offered; sasl.enabled.mechanisms is "
                    + mechanismNames.joined(separator: ","))
            return .unsupportedSaslMechanism
        }
        session.saslPhase = .handshaken(mechanism, rawTokens: version == 0)
        return .none
    }

    /// The outcome of one SaslAuthenticate, or of one bare token.
    enum Outcome {
        case challenge([UInt8])
        /// Authenticated; `lifetimeMs` is what SaslAuthenticate v1+ reports (0: no re-authentication).
        case complete([UInt8], lifetimeMs: Int64)
        case failed(KafkaErrorCode, String)
    }

    /// Feeds the client's next token to the connection's exchange.
    /// - Parameters:
    ///   - token: the client's bytes.
    ///   - rawTokens: whether the token came as a bare frame (SaslHandshake v0) rather than in SaslAuthenticate.
    func authenticate(_ token: [UInt8], rawTokens: Bool, session: ConnectionSession, refusal: (String) -> Void)
        async -> Outcome
    {
        var exchange: any SaslServerExchange
        switch session.saslPhase {
        case .handshaken(let mechanism, let raw) where raw == rawTokens:
            exchange = self.exchange(mechanism)
        case .exchanging(let current, let raw) where raw == rawTokens:
            exchange = current
        default:
            session.saslPhase = .failed
            let reason = "SaslAuthenticate before SaslHandshake chose a mechanism"
            refusal(reason)
            return .failed(.illegalSaslState, reason)
        }
        do throws(SaslAuthenticationError) {
            switch try await exchange.evaluate(token) {
            case .challenge(let bytes):
                session.saslPhase = .exchanging(exchange, rawTokens: rawTokens)
                return .challenge(bytes)
            case .complete(let principal, let bytes):
                if session.hasAuthenticated && principal != session.principal {
                    throw SaslAuthenticationError(
                        message: "re-authentication as \(principal) on a connection authenticated as "
                            + "\(session.principal): a connection keeps its principal")
                }
                session.saslSucceeded(as: principal, expiresAt: reauthentication.map { .now() + $0 })
                successes.increment()
                return .complete(bytes, lifetimeMs: reauthentication.map { $0.nanoseconds / 1_000_000 } ?? 0)
            }
        } catch {
            session.saslPhase = .failed
            failures.increment()
            refusal("SASL authentication failed: \(error.detail)")
            return .failed(.saslAuthenticationFailed, error.message)
        }
    }

    /// Answers a bare token frame (after SaslHandshake v0): the reply is the server's token with a size prefix.
    /// - Throws: `ConnectionError` when authentication fails: the old protocol has no way to say so but closing.
    func answerRawToken(_ frame: ByteBuffer, session: ConnectionSession, refusals: RefusalLog) async throws
        -> KafkaReply
    {
        let token = Array(frame.readableBytesView)
        switch await authenticate(token, rawTokens: true, session: session, refusal: { _ in }) {
        case .challenge(let bytes), .complete(let bytes, _):
            var reply = ByteBufferAllocator().buffer(capacity: 4 + bytes.count)
            reply.writeInteger(Int32(bytes.count))
            reply.writeBytes(bytes)
            return .frame(reply)
        case .failed(_, let message):
            throw ConnectionError(description: message)
        }
    }
}
