import Crypto

/// A SCRAM mechanism Kafka offers (RFC 5802 with the hash of RFC 7677 or of SHA-512), with the code
/// DescribeUserScramCredentials and AlterUserScramCredentials carry and the primitives both ends of the exchange
/// need: HMAC, the hash and `Hi`, the salted password.
///
/// This is wire vocabulary shared by the broker (which verifies proofs) and the client (which computes salted
/// passwords before it sends an upsertion), so it lives with the protocol. A value type; thread-safe.
public enum ScramMechanism: String, Sendable, Hashable, CaseIterable, Codable {
    /// SCRAM-SHA-256 (RFC 7677), Kafka's mechanism code 1.
    case sha256 = "SCRAM-SHA-256"
    /// SCRAM-SHA-512, Kafka's mechanism code 2.
    case sha512 = "SCRAM-SHA-512"

    /// The fewest iterations Kafka accepts in a credential.
    public static let minimumIterations: Int32 = 4096
    /// The most iterations Kafka accepts in a credential.
    public static let maximumIterations: Int32 = 16384
    /// The iterations `kafka-configs` uses when none are given, for both mechanisms.
    public static let defaultIterations: Int32 = 4096

    /// The mechanism's name as SaslHandshake and `sasl.enabled.mechanisms` spell it.
    public var name: String { rawValue }

    /// The code Kafka's SCRAM credential APIs use: 1 for SCRAM-SHA-256, 2 for SCRAM-SHA-512 (0 is UNKNOWN).
    public var kafkaCode: Int8 {
        switch self {
        case .sha256: 1
        case .sha512: 2
        }
    }

    /// The mechanism a credential API's code names.
    /// - Parameter kafkaCode: 1 or 2.
    /// - Returns: the mechanism, or `nil` for any other code.
    public init?(kafkaCode: Int8) {
        switch kafkaCode {
        case 1: self = .sha256
        case 2: self = .sha512
        default: return nil
        }
    }

    /// The mechanism a SASL name names, in any case (`scram-sha-512` is accepted on the command line).
    /// - Parameter name: `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    /// - Returns: the mechanism, or `nil` for any other name.
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }

    /// How many bytes the hash, and so every key and proof, has: 32 or 64.
    public var keyByteCount: Int {
        switch self {
        case .sha256: SHA256.byteCount
        case .sha512: SHA512.byteCount
        }
    }

    /// Whether `iterations` is within Kafka's bounds for a stored credential.
    /// - Parameter iterations: the iteration count of a credential.
    /// - Returns: whether it is between ``minimumIterations`` and ``maximumIterations``.
    public static func acceptsIterations(_ iterations: Int32) -> Bool {
        (minimumIterations...maximumIterations).contains(iterations)
    }

    /// How many bytes ``randomSalt()`` makes.
    public static let saltByteCount = 32

    /// A fresh salt from the system's secure random source, for a new credential.
    /// - Returns: ``saltByteCount`` random bytes.
    public static func randomSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<saltByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// `HMAC(key, data)` with the mechanism's hash.
    /// - Parameters:
    ///   - key: the key bytes.
    ///   - data: the message bytes.
    /// - Returns: the authentication code, ``keyByteCount`` bytes.
    public func hmac(key: some Sequence<UInt8>, _ data: some Sequence<UInt8>) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: Array(key))
        let bytes = Array(data)
        return switch self {
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: bytes, using: symmetricKey))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: bytes, using: symmetricKey))
        }
    }

    /// `H(data)` with the mechanism's hash.
    /// - Parameter data: the bytes.
    /// - Returns: the digest, ``keyByteCount`` bytes.
    public func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
        let bytes = Array(data)
        return switch self {
        case .sha256: Array(SHA256.hash(data: bytes))
        case .sha512: Array(SHA512.hash(data: bytes))
        }
    }

    /// RFC 5802's `SaltedPassword := Hi(Normalize(password), salt, i)`: PBKDF2 with the mechanism's HMAC and one
    /// block of output. The password is used as its UTF-8 bytes without SASLprep, as Kafka's clients do.
    ///
    /// - Parameters:
    ///   - password: the password's bytes.
    ///   - salt: the credential's salt.
    ///   - iterations: the iteration count, at least 1.
    /// - Returns: the salted password, ``keyByteCount`` bytes.
    public func saltedPassword(password: some Sequence<UInt8>, salt: some Sequence<UInt8>, iterations: Int)
        -> [UInt8]
    {
        precondition(iterations >= 1, "Hi needs at least one iteration")
        let key = SymmetricKey(data: Array(password))
        var block = Array(salt)
        block.append(contentsOf: [0, 0, 0, 1])  // INT(1): the first (and only) PBKDF2 block.
        return switch self {
        case .sha256: Self.hi(HMAC<SHA256>.self, key: key, first: block, iterations: iterations)
        case .sha512: Self.hi(HMAC<SHA512>.self, key: key, first: block, iterations: iterations)
        }
    }

    private static func hi<H: HashFunction>(
        _: HMAC<H>.Type, key: SymmetricKey, first: [UInt8], iterations: Int
    ) -> [UInt8] {
        var previous = Array(HMAC<H>.authenticationCode(for: first, using: key))
        var result = previous
        for _ in 1..<iterations {
            previous = Array(HMAC<H>.authenticationCode(for: previous, using: key))
            for index in result.indices { result[index] ^= previous[index] }
        }
        return result
    }
}
