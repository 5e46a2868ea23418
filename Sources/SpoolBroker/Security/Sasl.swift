import NIOCore

/// A SASL mechanism Spool offers, by the name clients send in SaslHandshake (`sasl.enabled.mechanisms`).
public enum SaslMechanismName: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case scramSHA256 = "SCRAM-SHA-256"
    case scramSHA512 = "SCRAM-SHA-512"
}

/// Why a SASL exchange failed. The message goes back to the client in SaslAuthenticate's error message: it says
/// what to fix without telling whether the user exists.
struct SaslAuthenticationError: Error, CustomStringConvertible {
    /// What the client is told.
    let message: String
    /// What the log says (which of an unknown user and a wrong password it was); never a secret.
    let detail: String

    init(message: String, detail: String? = nil) {
        self.message = message
        self.detail = detail ?? message
    }

    var description: String { detail }

    /// The answer to a wrong password or an unknown user alike.
    static func badCredentials(user: String) -> SaslAuthenticationError {
        SaslAuthenticationError(
            message: "authentication failed: invalid user name or password for PLAIN",
            detail: "PLAIN: unknown user or wrong password for user \(user)")
    }
}

/// What the server says after one client token.
enum SaslStep: Sendable {
    /// More to exchange: send these bytes and wait for the client's next token.
    case challenge([UInt8])
    /// Authenticated as `principal`; these bytes are the server's last message (empty for PLAIN).
    case complete(KafkaPrincipal, [UInt8])
}

/// The server side of one SASL exchange (one mechanism, one attempt), fed the client's tokens in order.
protocol SaslServerExchange: Sendable {
    /// The server's answer to the client's next token.
    /// - Throws: `SaslAuthenticationError` when the client failed to authenticate or sent a malformed token.
    mutating func evaluate(_ token: [UInt8]) async throws(SaslAuthenticationError) -> SaslStep
}

/// Where SASL mechanisms check what clients claim: the broker's SCRAM credentials.
protocol SaslCredentialVerifier: Sendable {
    /// Whether `password` is `user`'s (PLAIN checks it against the stored SCRAM credentials).
    func verify(user: String, password: String) async -> Bool
    /// A SCRAM exchange for `mechanism` against the stored credentials.
    func scramExchange(_ mechanism: SaslMechanismName) -> any SaslServerExchange
}

/// SASL/PLAIN (RFC 4616): one token, `authzid NUL user NUL password`. The authorization id must be empty or the
/// user itself, as in Kafka. Value type: its one step holds no state.
struct PlainExchange: SaslServerExchange {
    let verifier: any SaslCredentialVerifier

    mutating func evaluate(_ token: [UInt8]) async throws(SaslAuthenticationError) -> SaslStep {
        let fields = token.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3,
              let authorizationId = String(validating: fields[0], as: UTF8.self),
              let user = String(validating: fields[1], as: UTF8.self),
              let password = String(validating: fields[2], as: UTF8.self), !user.isEmpty
        else {
            throw SaslAuthenticationError(
                message: "malformed SASL/PLAIN token: expected authzid, user and password separated by NUL bytes")
        }
        guard authorizationId.isEmpty || authorizationId == user else {
            throw SaslAuthenticationError(
                message: "SASL/PLAIN authorization id must be empty or the user name: Spool does not act for "
                    + "another user")
        }
        guard await verifier.verify(user: user, password: password) else { throw .badCredentials(user: user) }
        return .complete(KafkaPrincipal(name: user), [])
    }
}

/// Where a connection is in SASL authentication. On a listener without SASL it stays `.notRequired`.
enum SaslPhase: Sendable {
    /// A PLAINTEXT or SSL listener: no SASL, every request is served.
    case notRequired
    /// A SASL listener before SaslHandshake: only ApiVersions and SaslHandshake are served.
    case awaitingHandshake
    /// A mechanism was chosen. `rawTokens`: SaslHandshake v0 without SaslAuthenticate (before KIP-152), so the
    /// next frames are bare tokens, not requests.
    case handshaken(SaslMechanismName, rawTokens: Bool)
    /// Tokens are being exchanged (SCRAM's second round).
    case exchanging(any SaslServerExchange, rawTokens: Bool)
    /// Authenticated until `expiresAt` (nil: no limit), when the client must authenticate again
    /// (`connections.max.reauth.ms`).
    case authenticated(expiresAt: NIODeadline?)
    /// Authentication failed: the connection is closed at its next request.
    case failed

    /// Whether the next frame is a bare SASL token rather than a Kafka request.
    var expectsRawToken: Bool {
        switch self {
        case .handshaken(_, let raw), .exchanging(_, let raw): raw
        default: false
        }
    }
}
