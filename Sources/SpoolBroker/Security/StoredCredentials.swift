import SpoolMetadata

/// The SASL mechanisms' view of the SCRAM credentials in the metadata store. Thread-safe.
struct StoredCredentials: SaslCredentialVerifier {
    let store: SQLiteMetadataStore

    func verify(user: String, password: String) async -> Bool {
        false  // Replaced when the SCRAM credential store lands (sec-scram).
    }

    func scramExchange(_ mechanism: SaslMechanismName) -> any SaslServerExchange {
        RefusingExchange()
    }
}

private struct RefusingExchange: SaslServerExchange {
    mutating func evaluate(_ token: [UInt8]) async throws(SaslAuthenticationError) -> SaslStep {
        throw .badCredentials
    }
}
