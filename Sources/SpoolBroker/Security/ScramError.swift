/// Why a SCRAM exchange failed. ``message`` is what the client may be told (the SaslAuthenticate error message);
/// it never says whether the user exists. ``description`` adds what only the broker's log should know.
///
/// A struct over a private enum (swift-nio's habit) so that new reasons can be added without breaking callers.
public struct ScramError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Reason: Hashable, Sendable {
        case malformed(String)
        case unsupported(String)
        case nonceMismatch
        case unknownUser(mechanism: String)
        case invalidProof(mechanism: String)
        case outOfOrder(String)
    }

    private let reason: Reason

    private init(_ reason: Reason) { self.reason = reason }

    /// A message that does not follow RFC 5802's syntax.
    static func malformed(_ detail: String) -> Self { .init(.malformed(detail)) }
    /// A well-formed message asking for something Spool does not do (channel binding, extensions).
    static func unsupported(_ detail: String) -> Self { .init(.unsupported(detail)) }
    /// The client-final message's nonce is not the one the server sent.
    static let nonceMismatch = Self(.nonceMismatch)
    /// No credential for the user (reported to the client exactly as a wrong password).
    static func unknownUser(mechanism: String) -> Self { .init(.unknownUser(mechanism: mechanism)) }
    /// The proof does not match the stored key: a wrong password.
    static func invalidProof(mechanism: String) -> Self { .init(.invalidProof(mechanism: mechanism)) }
    /// A message arrived when the exchange expected another, or after it ended.
    static func outOfOrder(_ detail: String) -> Self { .init(.outOfOrder(detail)) }

    /// Whether the client presented wrong credentials (an unknown user or a wrong password) rather than a broken
    /// or unsupported message. Kafka answers both with SASL_AUTHENTICATION_FAILED; this tells them apart in a log.
    public var isCredentialFailure: Bool {
        switch reason {
        case .unknownUser, .invalidProof: true
        default: false
        }
    }

    /// What the client may be told. An unknown user and a wrong password read the same.
    public var message: String {
        switch reason {
        case .malformed(let detail): "invalid SCRAM message: \(detail)"
        case .unsupported(let detail): "unsupported SCRAM request: \(detail)"
        case .nonceMismatch: "invalid SCRAM message: the client-final nonce is not the server's nonce"
        case .unknownUser(let mechanism), .invalidProof(let mechanism):
            "authentication failed: invalid user name or password for \(mechanism)"
        case .outOfOrder(let detail): "invalid SCRAM exchange: \(detail)"
        }
    }

    /// For the broker's log: says which of an unknown user and a wrong password it was.
    public var description: String {
        switch reason {
        case .unknownUser(let mechanism): "unknown user (\(mechanism))"
        case .invalidProof(let mechanism): "wrong password: invalid client proof (\(mechanism))"
        default: message
        }
    }
}
