import Foundation
import NIOCore
import SpoolMetadata
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// DescribeUserScramCredentials and AlterUserScramCredentials through the broker's real dispatch and SQLite store:
/// Kafka's per-user error codes, credentials a SCRAM exchange then accepts, and persistence across a restart.
@Suite struct ScramCredentialAdminTests {
    private typealias Upsertion = AlterUserScramCredentialsRequest.ScramCredentialUpsertion
    private typealias Deletion = AlterUserScramCredentialsRequest.ScramCredentialDeletion

    /// An upsertion as a client makes it: salted here, only salt and salted password sent.
    private func upsertion(_ user: String, _ password: String, _ mechanism: ScramMechanism = .sha512,
                           iterations: Int32 = 4096) -> Upsertion
    {
        let salt = ScramMechanism.randomSalt()
        let salted = mechanism.saltedPassword(password: password.utf8, salt: salt, iterations: Int(iterations))
        return Upsertion(name: user, mechanism: mechanism.kafkaCode, iterations: iterations,
                         salt: ByteBuffer(bytes: salt), saltedPassword: ByteBuffer(bytes: salted))
    }

    private func alter(_ broker: RoutedBroker, upsertions: [Upsertion] = [], deletions: [Deletion] = [])
        async throws -> [String: Int16]
    {
        let response = try await broker.call(
            AlterUserScramCredentialsRequest(deletions: deletions, upsertions: upsertions), version: 0,
            as: AlterUserScramCredentialsResponse.self)
        return Dictionary(response.results.map { ($0.user, $0.errorCode) }, uniquingKeysWith: { first, _ in first })
    }

    private func describe(_ broker: RoutedBroker, _ users: [String]?) async throws
        -> DescribeUserScramCredentialsResponse
    {
        try await broker.call(
            DescribeUserScramCredentialsRequest(users: users?.map { .init(name: $0) }), version: 0,
            as: DescribeUserScramCredentialsResponse.self)
    }

    /// Runs a SCRAM exchange against the broker's stored credential.
    private func authenticates(_ broker: RoutedBroker, _ user: String, _ password: String,
                               _ mechanism: ScramMechanism) async throws -> Bool
    {
        let store = broker.broker.metadataStore
        var client = ScramTestClient(mechanism: mechanism, user: user, password: password, nonce: "clientnonce")
        var server = ScramServerExchange(mechanism: mechanism)
        let serverFirst = try await server.respond(toClientFirst: client.clientFirst) { name in
            try await store.scramCredential(user: name, mechanism: mechanism)
        }
        do {
            let clientFinal = try client.clientFinal(serverFirst)
            return client.verifies(try server.receiveClientFinal(clientFinal))
        } catch let error as ScramError where error.isCredentialFailure {
            return false
        }
    }

    @Test("upserted credentials are described with mechanism and iterations, and a SCRAM exchange accepts them")
    func upsertDescribeAuthenticate() async throws {
        let broker = try await RoutedBroker()
        let stored = try await alter(broker, upsertions: [
            upsertion("alice", "pw-512"), upsertion("alice", "pw-256", .sha256, iterations: 8192),
            upsertion("bob", "bob-pw"),
        ])
        #expect(stored == ["alice": 0, "bob": 0])

        let all = try await describe(broker, nil)
        #expect(all.errorCode == 0)
        #expect(all.results.map(\.user) == ["alice", "bob"])
        #expect(all.results.first?.credentialInfos.map { "\($0.mechanism):\($0.iterations)" } == ["1:8192", "2:4096"])
        #expect(try await describe(broker, []).results.map(\.user) == ["alice", "bob"])

        #expect(try await authenticates(broker, "alice", "pw-512", .sha512))
        #expect(try await authenticates(broker, "alice", "pw-256", .sha256))
        #expect(try await !authenticates(broker, "alice", "pw-256", .sha512))
        #expect(try await !authenticates(broker, "carol", "any", .sha512))
        try await broker.stop()
    }

    @Test("Kafka's per-user errors: bounds, unknown mechanism, duplicates, missing credentials; others still apply")
    func refusals() async throws {
        let broker = try await RoutedBroker()
        var unknownMechanism = upsertion("mech", "pw")
        unknownMechanism.mechanism = 3
        var shortSalted = upsertion("short", "pw")
        shortSalted.saltedPassword = ByteBuffer(bytes: [1, 2, 3])
        let results = try await alter(
            broker,
            upsertions: [
                upsertion("few", "pw", iterations: 4095), upsertion("many", "pw", iterations: 16385), unknownMechanism,
                upsertion("twice", "a"), upsertion("twice", "b"), shortSalted, upsertion("", "pw"),
                upsertion("fine", "pw"),
            ],
            deletions: [Deletion(name: "ghost", mechanism: 1)])
        let unacceptable = KafkaErrorCode.unacceptableCredential.rawValue
        #expect(results == [
            "few": unacceptable, "many": unacceptable, "short": unacceptable, "": unacceptable,
            "mech": KafkaErrorCode.unsupportedSaslMechanism.rawValue,
            "twice": KafkaErrorCode.duplicateResource.rawValue,
            "ghost": KafkaErrorCode.resourceNotFound.rawValue, "fine": 0,
        ])
        #expect(try await describe(broker, nil).results.map(\.user) == ["fine"])

        let described = try await describe(broker, ["fine", "nobody", "fine"])
        #expect(described.results.map(\.user) == ["fine", "nobody"])
        #expect(described.results.map(\.errorCode)
            == [KafkaErrorCode.duplicateResource.rawValue, KafkaErrorCode.resourceNotFound.rawValue])
        try await broker.stop()
    }

    @Test("credentials persist across a restart; a deletion removes one mechanism and is persisted too")
    func persistsAcrossRestart() async throws {
        let directory = temporaryDataDirectory()
        let first = try await RoutedBroker { $0.dataDirectory = directory }
        #expect(try await alter(first, upsertions: [upsertion("alice", "pw"), upsertion("alice", "pw", .sha256)])
            == ["alice": 0])
        try await first.stop()

        let second = try await RoutedBroker { $0.dataDirectory = directory }
        #expect(try await authenticates(second, "alice", "pw", .sha512))
        #expect(try await alter(second, deletions: [Deletion(name: "alice", mechanism: 2)]) == ["alice": 0])
        try await second.stop()

        let third = try await RoutedBroker { $0.dataDirectory = directory }
        let described = try await describe(third, ["alice"])
        #expect(described.results.first?.credentialInfos.map(\.mechanism) == [1])
        #expect(try await !authenticates(third, "alice", "pw", .sha512))
        try await third.stop()
    }
}
