import NIOCore
import SpoolProtocol

extension Admin {
    /// One user's SCRAM credential as DescribeUserScramCredentials shows it: never its salt or keys.
    public struct ScramCredentialInfo: Sendable, Hashable {
        /// The user name.
        public var user: String
        /// The mechanism.
        public var mechanism: ScramMechanism
        /// The iteration count.
        public var iterations: Int32
    }

    /// Describes SCRAM credentials (DescribeUserScramCredentials).
    /// - Parameter users: the users to describe; empty for every user with a credential.
    /// - Returns: one entry per (user, mechanism), sorted by user then mechanism.
    /// - Throws: `SpoolClientError.kafka` with the broker's error, RESOURCE_NOT_FOUND for a named user with no
    ///   credential.
    public func describeScramCredentials(users: [String] = []) async throws(SpoolClientError) -> [ScramCredentialInfo] {
        let response = try await client.send(maximumVersion: 0, as: DescribeUserScramCredentialsResponse.self) { _ in
            DescribeUserScramCredentialsRequest(users: users.map { .init(name: $0) })
        }
        guard response.errorCode == 0 else {
            throw .kafka(
                KafkaErrorCode(response.errorCode), "describe SCRAM credentials", message: response.errorMessage)
        }
        var described: [ScramCredentialInfo] = []
        for result in response.results {
            guard result.errorCode == 0 else {
                throw .kafka(
                    KafkaErrorCode(result.errorCode), "describe the SCRAM credentials of \(result.user)",
                    message: result.errorMessage)
            }
            for info in result.credentialInfos {
                guard let mechanism = ScramMechanism(kafkaCode: info.mechanism) else { continue }
                described.append(
                    ScramCredentialInfo(user: result.user, mechanism: mechanism, iterations: info.iterations))
            }
        }
        return described.sorted { ($0.user, $0.mechanism.name) < ($1.user, $1.mechanism.name) }
    }

    /// Creates or replaces a user's SCRAM credential (AlterUserScramCredentials). The password is salted here, with
    /// a fresh random salt, and only the salt and salted password are sent; the password never leaves this process.
    /// - Parameters:
    ///   - user: the user name.
    ///   - password: the password.
    ///   - mechanism: SCRAM-SHA-256 or SCRAM-SHA-512.
    ///   - iterations: the iteration count, 4096 to 16384 (Kafka's bounds).
    /// - Throws: `SpoolClientError.invalidArgument` for an empty user name or password;
    ///   `SpoolClientError.kafka` when the broker refuses (UNACCEPTABLE_CREDENTIAL, ...).
    public func upsertScramCredential(
        user: String, password: String, mechanism: ScramMechanism = .sha512,
        iterations: Int32 = ScramMechanism.defaultIterations
    ) async throws(SpoolClientError) {
        guard !user.isEmpty else { throw .invalidArgument("the user name is empty") }
        guard !password.isEmpty else { throw .invalidArgument("the password is empty") }
        guard ScramMechanism.acceptsIterations(iterations) else {
            throw .invalidArgument(
                "iterations must be between \(ScramMechanism.minimumIterations) and "
                    + "\(ScramMechanism.maximumIterations)")
        }
        let salt = ScramMechanism.randomSalt()
        let salted = mechanism.saltedPassword(password: password.utf8, salt: salt, iterations: Int(iterations))
        let upsertion = AlterUserScramCredentialsRequest.ScramCredentialUpsertion(
            name: user, mechanism: mechanism.kafkaCode, iterations: iterations, salt: ByteBuffer(bytes: salt),
            saltedPassword: ByteBuffer(bytes: salted))
        try await alterScramCredentials(AlterUserScramCredentialsRequest(upsertions: [upsertion]), user: user)
    }

    /// Deletes a user's SCRAM credential for one mechanism (AlterUserScramCredentials).
    /// - Parameters:
    ///   - user: the user name.
    ///   - mechanism: the mechanism whose credential goes.
    /// - Throws: `SpoolClientError.kafka` RESOURCE_NOT_FOUND when the user has no such credential.
    public func deleteScramCredential(user: String, mechanism: ScramMechanism) async throws(SpoolClientError) {
        let deletion = AlterUserScramCredentialsRequest.ScramCredentialDeletion(
            name: user, mechanism: mechanism.kafkaCode)
        try await alterScramCredentials(AlterUserScramCredentialsRequest(deletions: [deletion]), user: user)
    }

    private func alterScramCredentials(_ request: AlterUserScramCredentialsRequest, user: String)
        async throws(SpoolClientError)
    {
        let response = try await client.send(maximumVersion: 0, as: AlterUserScramCredentialsResponse.self) { _ in
            request
        }
        guard let result = response.results.first(where: { $0.user == user }) else {
            throw .protocolViolation("AlterUserScramCredentials left out user \(user)")
        }
        guard result.errorCode == 0 else {
            throw .kafka(
                KafkaErrorCode(result.errorCode), "alter the SCRAM credential of \(user)", message: result.errorMessage)
        }
    }
}
