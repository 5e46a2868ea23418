/// Who a connection acts as, in Kafka's `Type:Name` form (`User:alice`, `User:CN=client,O=Example`): what
/// ACLs name and `super.users` lists. A connection that has not authenticated (a PLAINTEXT listener, or SSL
/// without a client certificate) is `User:ANONYMOUS`, as in Kafka.
public struct KafkaPrincipal: Hashable, Sendable, CustomStringConvertible {
    /// The principal type; Kafka's authenticators all produce `User`.
    public let type: String
    /// The user name (SASL) or the certificate subject's distinguished name (SSL).
    public let name: String

    /// A principal of `type` and `name`.
    public init(type: String = "User", name: String) {
        self.type = type
        self.name = name
    }

    /// Reads `Type:Name` (the name may itself contain `:`); nil when there is no type or no name.
    public init?(parsing text: some StringProtocol) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let type = String(text[..<colon])
        let name = String(text[text.index(after: colon)...])
        guard !type.isEmpty, !name.isEmpty else { return nil }
        self.init(type: type, name: name)
    }

    /// The principal of a connection that has not authenticated.
    public static let anonymous = KafkaPrincipal(name: "ANONYMOUS")

    /// `Type:Name`, as ACLs and logs show it.
    public var description: String { "\(type):\(name)" }
}

/// How a listener's connections are secured, as Kafka names it in `listener.security.protocol.map`.
public enum SecurityProtocol: String, Sendable, CaseIterable {
    case plaintext = "PLAINTEXT"
    case ssl = "SSL"
    case saslPlaintext = "SASL_PLAINTEXT"
    case saslSSL = "SASL_SSL"

    /// Whether connections speak TLS.
    public var usesTLS: Bool { self == .ssl || self == .saslSSL }
    /// Whether a client must authenticate with SASL before any other request is served.
    public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
}
