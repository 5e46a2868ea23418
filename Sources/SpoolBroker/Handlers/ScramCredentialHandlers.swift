import Logging
import SpoolMetadata
import SpoolProtocol

/// DescribeUserScramCredentials (50): each user's SCRAM mechanisms and iteration counts, never salts or keys.
/// No names (null or empty) describes every user with a credential; a named user with none gets RESOURCE_NOT_FOUND
/// and a name asked for twice DUPLICATE_RESOURCE, as in Kafka.
struct DescribeUserScramCredentialsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let store: any ScramCredentialStore

    func respond(_ request: DescribeUserScramCredentialsRequest, context: RequestContext) async
        -> DescribeUserScramCredentialsResponse
    {
        var response = DescribeUserScramCredentialsResponse()
        if let denied = context.denial(.describe, .cluster) {
            response.errorCode = denied.rawValue
            response.errorMessage = "\(context.session.principal) may not DESCRIBE the cluster (needed to list users)"
            return response
        }
        let summaries: [ScramCredentialSummary]
        do {
            summaries = try await store.scramCredentialSummaries()
        } catch {
            response.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
            response.errorMessage = "the credential store cannot be read: \(error)"
            return response
        }
        let byUser = Dictionary(grouping: summaries, by: \.user)
        let names = request.users.map { $0.map(\.name) } ?? []
        let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
        var described = names.isEmpty ? byUser.keys.sorted() : []
        for name in names where !described.contains(name) { described.append(name) }
        response.results = described.map { user in
            if counts[user, default: 0] > 1 {
                return .init(user: user, errorCode: KafkaErrorCode.duplicateResource.rawValue,
                             errorMessage: "user \(user) is named more than once in the request")
            }
            guard let credentials = byUser[user] else {
                return .init(user: user, errorCode: KafkaErrorCode.resourceNotFound.rawValue,
                             errorMessage: "user \(user) has no SCRAM credential")
            }
            return .init(user: user, credentialInfos: credentials.compactMap { summary in
                ScramMechanism(rawValue: summary.mechanism).map {
                    .init(mechanism: $0.kafkaCode, iterations: summary.iterations)
                }
            })
        }
        return response
    }
}

/// AlterUserScramCredentials (51): deletes and upserts salted SCRAM credentials. An upsertion carries the salt and
/// the salted password the client computed (`Hi(password, salt, iterations)`); the broker derives and stores
/// StoredKey and ServerKey from them and forgets the salted password. Checked per user as Kafka does: an unknown
/// mechanism is UNSUPPORTED_SASL_MECHANISM, iterations outside 4096...16384 or an empty name, salt or a salted
/// password of the wrong length UNACCEPTABLE_CREDENTIAL, the same (user, mechanism) twice DUPLICATE_RESOURCE,
/// deleting a credential that does not exist RESOURCE_NOT_FOUND. A user with any error has none of its
/// changes applied; the other users' changes are stored in one transaction before the answer is sent.
struct AlterUserScramCredentialsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let store: any ScramCredentialStore
    let logger: Logger

    private typealias Refusal = (code: KafkaErrorCode, message: String)

    func respond(_ request: AlterUserScramCredentialsRequest, context: RequestContext) async
        -> AlterUserScramCredentialsResponse
    {
        var users: [String] = []
        for name in request.deletions.map(\.name) + request.upsertions.map(\.name) where !users.contains(name) {
            users.append(name)
        }
        if let denied = context.denial(.alter, .cluster) {
            var response = AlterUserScramCredentialsResponse()
            response.results = users.map {
                .init(user: $0, errorCode: denied.rawValue,
                      errorMessage: "\(context.session.principal) may not ALTER the cluster (needed to change users)")
            }
            return response
        }
        var refusals = await refusals(request)
        var upsertions: [StoredScramCredential] = []
        var deletions: [(user: String, mechanism: String)] = []
        for deletion in request.deletions where refusals[deletion.name] == nil {
            if let mechanism = ScramMechanism(kafkaCode: deletion.mechanism) {
                deletions.append((deletion.name, mechanism.name))
            }
        }
        for upsertion in request.upsertions where refusals[upsertion.name] == nil {
            if let mechanism = ScramMechanism(kafkaCode: upsertion.mechanism) {
                let credential = ScramCredential.make(
                    saltedPassword: Array(upsertion.saltedPassword.readableBytesView), mechanism: mechanism,
                    iterations: upsertion.iterations, salt: Array(upsertion.salt.readableBytesView))
                upsertions.append(credential.stored(user: upsertion.name))
            }
        }
        if !upsertions.isEmpty || !deletions.isEmpty {
            do {
                try await store.alterScramCredentials(upserting: upsertions, deleting: deletions)
                for change in upsertions {
                    logger.info("SCRAM credential stored", metadata: [
                        "user": "\(change.user)", "mechanism": "\(change.mechanism)",
                        "iterations": "\(change.iterations)", "remote": "\(context.remote)",
                    ])
                }
                for change in deletions {
                    logger.info("SCRAM credential deleted", metadata: [
                        "user": "\(change.user)", "mechanism": "\(change.mechanism)", "remote": "\(context.remote)",
                    ])
                }
            } catch {
                for user in users where refusals[user] == nil {
                    refusals[user] = (.kafkaStorageError, "the credential store cannot be written: \(error)")
                }
            }
        }
        var response = AlterUserScramCredentialsResponse()
        response.results = users.map { user in
            guard let refusal = refusals[user] else { return .init(user: user) }
            context.refusals.refused(context, resource: user, code: refusal.code, reason: refusal.message)
            return .init(user: user, errorCode: refusal.code.rawValue, errorMessage: refusal.message)
        }
        return response
    }

    /// The first reason each refused user's changes cannot be applied.
    private func refusals(_ request: AlterUserScramCredentialsRequest) async -> [String: Refusal] {
        var refusals: [String: Refusal] = [:]
        func refuse(_ user: String, _ code: KafkaErrorCode, _ message: String) {
            if refusals[user] == nil { refusals[user] = (code, message) }
        }
        let pairs = request.deletions.map { ($0.name, $0.mechanism) }
            + request.upsertions.map { ($0.name, $0.mechanism) }
        var seen: [String: Set<Int8>] = [:]
        for (user, code) in pairs {
            if user.isEmpty { refuse(user, .unacceptableCredential, "the user name is empty") }
            if ScramMechanism(kafkaCode: code) == nil {
                refuse(user, .unsupportedSaslMechanism,
                       "unknown SCRAM mechanism code \(code) (1: SCRAM-SHA-256, 2: SCRAM-SHA-512)")
            }
            if !seen[user, default: []].insert(code).inserted {
                refuse(user, .duplicateResource, "a credential of \(user) is altered twice in one request")
            }
        }
        for upsertion in request.upsertions {
            if let message = Self.unacceptable(upsertion) { refuse(upsertion.name, .unacceptableCredential, message) }
        }
        if !request.deletions.isEmpty {
            let existing: Set<[String]>
            do {
                existing = Set(try await store.scramCredentialSummaries().map { [$0.user, $0.mechanism] })
            } catch {
                for deletion in request.deletions {
                    refuse(deletion.name, .kafkaStorageError, "the credential store cannot be read: \(error)")
                }
                return refusals
            }
            for deletion in request.deletions {
                guard let mechanism = ScramMechanism(kafkaCode: deletion.mechanism) else { continue }
                if !existing.contains([deletion.name, mechanism.name]) {
                    refuse(deletion.name, .resourceNotFound,
                           "user \(deletion.name) has no \(mechanism.name) credential")
                }
            }
        }
        return refusals
    }

    /// Why an upsertion's credential is refused, or `nil` when it is acceptable.
    private static func unacceptable(_ upsertion: AlterUserScramCredentialsRequest.ScramCredentialUpsertion)
        -> String?
    {
        guard let mechanism = ScramMechanism(kafkaCode: upsertion.mechanism) else { return nil }
        if upsertion.iterations < ScramMechanism.minimumIterations {
            return "\(upsertion.iterations) iterations are too few for \(mechanism.name): at least "
                + "\(ScramMechanism.minimumIterations)"
        }
        if upsertion.iterations > ScramMechanism.maximumIterations {
            return "\(upsertion.iterations) iterations are too many for \(mechanism.name): at most "
                + "\(ScramMechanism.maximumIterations)"
        }
        if upsertion.salt.readableBytes == 0 { return "the salt is empty" }
        if upsertion.saltedPassword.readableBytes != mechanism.keyByteCount {
            return "a \(mechanism.name) salted password has \(mechanism.keyByteCount) bytes, not "
                + "\(upsertion.saltedPassword.readableBytes)"
        }
        return nil
    }
}
