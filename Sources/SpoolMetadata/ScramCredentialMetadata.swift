/// One user's salted SCRAM credential for one mechanism, as stored: never the password, only what RFC 5802's
/// server keeps (`salt`, iteration count, `StoredKey`, `ServerKey`).
public struct StoredScramCredential: Sendable, Hashable {
    /// The user name, unescaped (a `,` or `=` is stored as itself, not as SCRAM's `=2C` or `=3D`).
    public var user: String
    /// The SASL mechanism name, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    public var mechanism: String
    /// The salt the salted password was computed with.
    public var salt: [UInt8]
    /// The iteration count of `Hi`.
    public var iterations: Int32
    /// `H(HMAC(SaltedPassword, "Client Key"))`: what a client proof is checked against.
    public var storedKey: [UInt8]
    /// `HMAC(SaltedPassword, "Server Key")`: what the server signs its final message with.
    public var serverKey: [UInt8]

    /// - Parameters:
    ///   - user: the user name, unescaped.
    ///   - mechanism: `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    ///   - salt: the salt.
    ///   - iterations: the iteration count.
    ///   - storedKey: RFC 5802's `StoredKey`.
    ///   - serverKey: RFC 5802's `ServerKey`.
    public init(user: String, mechanism: String, salt: [UInt8], iterations: Int32, storedKey: [UInt8],
                serverKey: [UInt8])
    {
        self.user = user
        self.mechanism = mechanism
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }
}

/// What DescribeUserScramCredentials shows of a credential: who, which mechanism, how many iterations.
public struct ScramCredentialSummary: Sendable, Hashable {
    /// The user name, unescaped.
    public var user: String
    /// The SASL mechanism name.
    public var mechanism: String
    /// The iteration count.
    public var iterations: Int32

    /// - Parameters:
    ///   - user: the user name, unescaped.
    ///   - mechanism: the SASL mechanism name.
    ///   - iterations: the iteration count.
    public init(user: String, mechanism: String, iterations: Int32) {
        self.user = user
        self.mechanism = mechanism
        self.iterations = iterations
    }
}

/// Salted SCRAM credentials per (user, mechanism), durably. Thread-safe; every write is durable when its call
/// returns. Keys are secrets: implementations never log them.
public protocol ScramCredentialStore: Sendable {
    /// Applies deletions and upsertions in one database transaction (AlterUserScramCredentials): an upsertion
    /// replaces the credential of its (user, mechanism); a deletion of a credential that does not exist is skipped.
    /// - Parameters:
    ///   - upsertions: credentials to insert or replace.
    ///   - deletions: (user, mechanism name) pairs to delete.
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func alterScramCredentials(
        upserting upsertions: [StoredScramCredential], deleting deletions: [(user: String, mechanism: String)]
    ) async throws

    /// Inserts or replaces one credential.
    /// - Parameter credential: the credential.
    /// - Throws: ``MetadataError`` `.storage`; then nothing changed.
    func saveScramCredential(_ credential: StoredScramCredential) async throws

    /// Deletes one credential.
    /// - Parameters:
    ///   - user: the user name, unescaped.
    ///   - mechanism: the mechanism name.
    /// - Returns: whether there was such a credential.
    /// - Throws: ``MetadataError`` `.storage`.
    @discardableResult
    func deleteScramCredential(user: String, mechanism: String) async throws -> Bool

    /// Every credential's user, mechanism and iterations, sorted by user then mechanism; never the keys.
    /// - Throws: ``MetadataError`` `.storage`.
    func scramCredentialSummaries() async throws -> [ScramCredentialSummary]

    /// One credential, with its keys: what the SASL exchange verifies a client against.
    /// - Parameters:
    ///   - user: the user name, unescaped.
    ///   - mechanism: the mechanism name.
    /// - Returns: the credential, or `nil` when the user has none for that mechanism.
    /// - Throws: ``MetadataError`` `.storage`.
    func scramCredential(user: String, mechanism: String) async throws -> StoredScramCredential?
}
