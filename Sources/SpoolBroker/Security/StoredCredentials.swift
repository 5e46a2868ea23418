import SpoolMetadata
import SpoolProtocol

/// The SASL mechanisms' view of the SCRAM credentials in the metadata store: SCRAM exchanges read a user's
/// credential for their mechanism, and PLAIN checks a password by deriving the stored key with the credential's
/// salt and iterations. Nothing is cached: each authentication reads SQLite once. Thread-safe.
struct StoredCredentials: SaslCredentialVerifier {
    let store: any ScramCredentialStore

    func verify(user: String, password: String) async -> Bool {
        // SHA-512 first: either credential proves the password.
        for mechanism in [ScramMechanism.sha512, .sha256] {
            guard let stored = try? await store.scramCredential(user: user, mechanism: mechanism) else { continue }
            let computed = ScramCredential.make(
                password: password, mechanism: mechanism, iterations: stored.iterations, salt: stored.salt)
            return ScramServerExchange.constantTimeEqual(computed.storedKey, stored.storedKey)
        }
        // An unknown user costs what a known one does, so that timing does not tell which users exist.
        _ = ScramCredential.make(password: password, mechanism: .sha512, salt: FakeScramSalt.salt(user: user))
        return false
    }

    func scramExchange(_ mechanism: SaslMechanismName) -> any SaslServerExchange {
        ScramSaslExchange(exchange: ScramServerExchange(mechanism: mechanism == .scramSHA256 ? .sha256 : .sha512),
                          store: store)
    }
}

/// SCRAM-SHA-256/512 as a SASL exchange: client-first → server-first (after reading the user's credential),
/// client-final → server-final. Every failure is SASL_AUTHENTICATION_FAILED; an unknown user and a wrong
/// password read the same to the client and differ only in the log.
struct ScramSaslExchange: SaslServerExchange {
    var exchange: ScramServerExchange
    let store: any ScramCredentialStore
    private var sentServerFirst = false

    init(exchange: ScramServerExchange, store: any ScramCredentialStore) {
        self.exchange = exchange
        self.store = store
    }

    mutating func evaluate(_ token: [UInt8]) async throws(SaslAuthenticationError) -> SaslStep {
        if !sentServerFirst {
            let user: String
            do { user = try exchange.receiveClientFirst(token) } catch { throw Self.failure(error) }
            let credential: ScramCredential?
            do {
                credential = try await store.scramCredential(user: user, mechanism: exchange.mechanism)
            } catch {
                throw SaslAuthenticationError(
                    message: "the broker cannot read its credentials now; try again",
                    detail: "credential store: \(error)")
            }
            sentServerFirst = true
            do { return .challenge(try exchange.serverFirst(credential: credential)) } catch { throw Self.failure(error) }
        }
        let serverFinal: [UInt8]
        do { serverFinal = try exchange.receiveClientFinal(token) } catch { throw Self.failure(error) }
        guard let user = exchange.authenticatedUser else {
            throw SaslAuthenticationError(message: "SCRAM exchange ended without a user")
        }
        return .complete(KafkaPrincipal(name: user), serverFinal)
    }

    private static func failure(_ error: ScramError) -> SaslAuthenticationError {
        SaslAuthenticationError(message: error.message, detail: error.description)
    }
}
