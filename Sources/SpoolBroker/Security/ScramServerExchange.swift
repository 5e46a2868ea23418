import Foundation
import SpoolProtocol

/// The server side of one SCRAM exchange (RFC 5802, RFC 7677), sans I/O: it takes the client's messages as bytes
/// and returns the server's, and the caller carries them in SaslAuthenticate (or raw frames) and looks the
/// credential up.
///
/// The steps, in order:
/// 1. ``receiveClientFirst(_:)`` parses `n,,n=user,r=nonce` and returns the user name to look up.
/// 2. ``serverFirst(credential:)`` takes that user's credential, or `nil` when there is none, and returns
///    `r=…,s=…,i=…`. An unknown user gets a made-up salt (the same for the same name while the process runs) and
///    the exchange goes on, to fail at the proof as a wrong password does, so a client cannot learn which users
///    exist.
/// 3. ``receiveClientFinal(_:)`` checks the channel binding, the nonce and the proof (in constant time) and
///    returns `v=signature`; then ``authenticatedUser`` is set.
///
/// Any failure ends the exchange: later calls throw. ``respond(toClientFirst:lookup:)`` does steps 1 and 2 at once.
/// A value type, not shared: one exchange per connection.
public struct ScramServerExchange: Sendable {
    private enum State: Sendable {
        case awaitingClientFirst
        case awaitingCredential(ScramClientFirst)
        case awaitingClientFinal(ScramClientFirst, serverFirst: String, nonce: String, credential: ScramCredential?)
        case authenticated(String)
        case failed
    }

    /// The mechanism this exchange runs.
    public let mechanism: ScramMechanism
    private var state = State.awaitingClientFirst
    /// The server's half of the nonce; random unless a test pins it.
    private let serverNonce: String

    /// An exchange waiting for the client-first message.
    /// - Parameter mechanism: SCRAM-SHA-256 or SCRAM-SHA-512, as the client chose in SaslHandshake.
    public init(mechanism: ScramMechanism) {
        self.init(mechanism: mechanism, serverNonce: Self.randomNonce())
    }

    /// An exchange whose server nonce is fixed: for tests replaying RFC 7677's example.
    init(mechanism: ScramMechanism, serverNonce: String) {
        self.mechanism = mechanism
        self.serverNonce = serverNonce
    }

    /// The user the exchange authenticated (unescaped), once ``receiveClientFinal(_:)`` has succeeded.
    public var authenticatedUser: String? {
        if case .authenticated(let user) = state { user } else { nil }
    }

    /// Reads the client-first message.
    /// - Parameter message: the client's first message, as SaslAuthenticate carries it.
    /// - Returns: the user name (unescaped) whose credential ``serverFirst(credential:)`` needs.
    /// - Throws: ``ScramError`` when the message is malformed or asks for channel binding or extensions, or when
    ///   it is not the first message of the exchange.
    public mutating func receiveClientFirst(_ message: some Collection<UInt8>) throws(ScramError) -> String {
        guard case .awaitingClientFirst = state else {
            state = .failed
            throw .outOfOrder("the client-first message was already received")
        }
        do {
            let first = try ScramClientFirst(message)
            state = .awaitingCredential(first)
            return first.user
        } catch {
            state = .failed
            throw error
        }
    }

    /// The server-first message, given the user's credential.
    /// - Parameter credential: the user's credential for this mechanism, or `nil` when there is none (the exchange
    ///   then runs on a made-up credential and fails at the proof).
    /// - Returns: `r=<nonce>,s=<salt>,i=<iterations>`.
    /// - Throws: ``ScramError`` when the client-first message has not been received, or the credential is for
    ///   another mechanism.
    public mutating func serverFirst(credential: ScramCredential?) throws(ScramError) -> [UInt8] {
        guard case .awaitingCredential(let first) = state else {
            state = .failed
            throw .outOfOrder("the server-first message follows the client-first message")
        }
        guard credential.map({ $0.mechanism == mechanism }) ?? true else {
            state = .failed
            throw .outOfOrder("a \(mechanism.name) exchange was given a credential of another mechanism")
        }
        let salt = credential?.salt ?? FakeScramSalt.salt(user: first.user)
        let iterations = credential?.iterations ?? ScramMechanism.defaultIterations
        let nonce = first.nonce + serverNonce
        let serverFirst = "r=\(nonce),s=\(Data(salt).base64EncodedString()),i=\(iterations)"
        state = .awaitingClientFinal(first, serverFirst: serverFirst, nonce: nonce, credential: credential)
        return Array(serverFirst.utf8)
    }

    /// Steps 1 and 2 at once: reads the client-first message, looks the user's credential up, and answers.
    /// - Parameters:
    ///   - message: the client-first message.
    ///   - lookup: the credential of a user (unescaped name) for this mechanism, or `nil` when there is none.
    /// - Returns: the server-first message.
    /// - Throws: ``ScramError`` as the two steps do, or what `lookup` throws (the exchange is then failed).
    public mutating func respond(
        toClientFirst message: some Collection<UInt8>, lookup: (String) async throws -> ScramCredential?
    ) async throws -> [UInt8] {
        let user = try receiveClientFirst(message)
        do {
            return try serverFirst(credential: try await lookup(user))
        } catch {
            state = .failed
            throw error
        }
    }

    /// Reads the client-final message, verifies the proof and, when it holds, answers with the server signature.
    /// - Parameter message: the client's final message.
    /// - Returns: `v=<server signature>`; ``authenticatedUser`` is set.
    /// - Throws: ``ScramError``: malformed, channel binding other than the GS2 header, nonce mismatch, or a
    ///   credential failure (unknown user or wrong password, which read the same in ``ScramError/message``).
    public mutating func receiveClientFinal(_ message: some Collection<UInt8>) throws(ScramError) -> [UInt8] {
        guard case .awaitingClientFinal(let first, let serverFirst, let nonce, let credential) = state else {
            state = .failed
            throw .outOfOrder("the client-final message follows the server-first message")
        }
        state = .failed
        let final = try ScramClientFinal(message)
        guard final.channelBinding == Data(first.gs2Header.utf8).base64EncodedString() else {
            throw .malformed("the channel binding 'c=' is not the base64 of the GS2 header '\(first.gs2Header)'")
        }
        // librdkafka before 2.6.1 (Debian's kcat has 2.0.2) sends its own nonce again in front of the whole nonce
        // (confluentinc/librdkafka#4895); Kafka 3.x accepted that, and the client wins here. Either form carries
        // the server's whole nonce, which is what guards against replay.
        guard final.nonce == nonce || final.nonce == first.nonce + nonce else { throw .nonceMismatch }
        // An unknown user's proof is checked against random keys, so that it costs what a wrong password costs.
        let verified = credential ?? FakeScramSalt.credential(mechanism: mechanism)
        let authMessage = Array("\(first.bare),\(serverFirst),\(final.withoutProof)".utf8)
        let clientSignature = mechanism.hmac(key: verified.storedKey, authMessage)
        let clientKey = zip(final.proof, clientSignature).map { $0 ^ $1 }
        let proofHolds = final.proof.count == clientSignature.count
            && Self.constantTimeEqual(mechanism.hash(clientKey), verified.storedKey)
        guard credential != nil else { throw .unknownUser(mechanism: mechanism.name) }
        guard proofHolds else { throw .invalidProof(mechanism: mechanism.name) }
        let serverSignature = mechanism.hmac(key: verified.serverKey, authMessage)
        state = .authenticated(first.user)
        return Array("v=\(Data(serverSignature).base64EncodedString())".utf8)
    }

    /// Compares two byte strings in time that depends only on their lengths, so a proof's timing says nothing
    /// about how much of it was right.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// 24 random bytes in base64: printable and without `,`, as RFC 5802 asks of a nonce.
    private static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}

/// The salt shown to a client naming a user with no credential: an HMAC of the name under a key made when the
/// process starts, so asking twice for the same unknown user gets the same salt, as for a real user.
enum FakeScramSalt {
    private static let key: [UInt8] = ScramMechanism.randomSalt()

    static func salt(user: String) -> [UInt8] {
        ScramMechanism.sha256.hmac(key: key, user.utf8)
    }

    /// A credential no password matches: random keys of the mechanism's length.
    static func credential(mechanism: ScramMechanism) -> ScramCredential {
        var generator = SystemRandomNumberGenerator()
        let random = { (0..<mechanism.keyByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }
        return ScramCredential(
            mechanism: mechanism, salt: [], iterations: ScramMechanism.defaultIterations, storedKey: random(),
            serverKey: random())
    }
}
