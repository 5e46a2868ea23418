import SpoolMetadata
import SpoolProtocol

/// What a broker keeps of a SCRAM password (RFC 5802 §3): the salt and iteration count a client needs to salt
/// its password, `StoredKey` to check the client's proof against and `ServerKey` to sign the server's final
/// message. The password and the salted password are not kept. A value type; thread-safe.
public struct ScramCredential: Sendable, Hashable {
    /// The mechanism the keys were computed with.
    public let mechanism: ScramMechanism
    /// The salt.
    public let salt: [UInt8]
    /// The iteration count of `Hi`.
    public let iterations: Int32
    /// `H(HMAC(SaltedPassword, "Client Key"))`.
    public let storedKey: [UInt8]
    /// `HMAC(SaltedPassword, "Server Key")`.
    public let serverKey: [UInt8]

    /// A credential from its parts.
    /// - Parameters:
    ///   - mechanism: the mechanism.
    ///   - salt: the salt.
    ///   - iterations: the iteration count.
    ///   - storedKey: `StoredKey`, as long as the mechanism's hash.
    ///   - serverKey: `ServerKey`, as long as the mechanism's hash.
    public init(mechanism: ScramMechanism, salt: [UInt8], iterations: Int32, storedKey: [UInt8], serverKey: [UInt8]) {
        self.mechanism = mechanism
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Salts a password and derives the keys: what `spool user create` amounts to, computed in one place.
    /// - Parameters:
    ///   - password: the password; its UTF-8 bytes are used.
    ///   - mechanism: SCRAM-SHA-256 or SCRAM-SHA-512.
    ///   - iterations: the iteration count, at least 1 (Kafka accepts 4096 to 16384 in a stored credential).
    ///   - salt: the salt; a fresh random one when `nil`.
    /// - Returns: the credential.
    public static func make(
        password: String, mechanism: ScramMechanism, iterations: Int32 = ScramMechanism.defaultIterations,
        salt: [UInt8]? = nil
    ) -> ScramCredential {
        let salt = salt ?? ScramMechanism.randomSalt()
        let salted = mechanism.saltedPassword(password: password.utf8, salt: salt, iterations: Int(iterations))
        return make(saltedPassword: salted, mechanism: mechanism, iterations: iterations, salt: salt)
    }

    /// Derives the keys from a salted password, as AlterUserScramCredentials sends it.
    /// - Parameters:
    ///   - saltedPassword: `Hi(password, salt, iterations)`.
    ///   - mechanism: the mechanism it was computed with.
    ///   - iterations: the iteration count it was computed with.
    ///   - salt: the salt it was computed with.
    /// - Returns: the credential.
    public static func make(
        saltedPassword: [UInt8], mechanism: ScramMechanism, iterations: Int32, salt: [UInt8]
    ) -> ScramCredential {
        let clientKey = mechanism.hmac(key: saltedPassword, "Client Key".utf8)
        return ScramCredential(
            mechanism: mechanism, salt: salt, iterations: iterations, storedKey: mechanism.hash(clientKey),
            serverKey: mechanism.hmac(key: saltedPassword, "Server Key".utf8))
    }

    /// The credential a stored row holds.
    /// - Parameter stored: the row.
    /// - Returns: the credential, or `nil` when the row names a mechanism this broker does not know or its keys
    ///   are not as long as the mechanism's hash.
    public init?(_ stored: StoredScramCredential) {
        guard let mechanism = ScramMechanism(rawValue: stored.mechanism),
              stored.storedKey.count == mechanism.keyByteCount, stored.serverKey.count == mechanism.keyByteCount
        else { return nil }
        self.init(
            mechanism: mechanism, salt: stored.salt, iterations: stored.iterations, storedKey: stored.storedKey,
            serverKey: stored.serverKey)
    }

    /// The row that stores this credential for `user`.
    /// - Parameter user: the user name, unescaped.
    /// - Returns: the row.
    public func stored(user: String) -> StoredScramCredential {
        StoredScramCredential(
            user: user, mechanism: mechanism.name, salt: salt, iterations: iterations, storedKey: storedKey,
            serverKey: serverKey)
    }
}

extension ScramCredential: CustomStringConvertible {
    /// The mechanism and iterations only: a credential's keys never reach a log.
    public var description: String { "ScramCredential(\(mechanism.name), iterations: \(iterations))" }
}

extension ScramCredentialStore {
    /// A user's credential for a mechanism, as the SASL exchange needs it
    /// (``ScramServerExchange/respond(toClientFirst:lookup:)``'s `lookup`).
    /// - Parameters:
    ///   - user: the user name, unescaped.
    ///   - mechanism: the mechanism the client chose.
    /// - Returns: the credential, or `nil` when the user has none for `mechanism` (or its row is unreadable).
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func scramCredential(user: String, mechanism: ScramMechanism) async throws -> ScramCredential? {
        try await scramCredential(user: user, mechanism: mechanism.name).flatMap(ScramCredential.init)
    }
}
