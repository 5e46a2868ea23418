#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Kafka listener as `listeners` names it: `NAME://HOST:PORT`, with the security protocol
/// `listener.security.protocol.map` gives its name and the address `advertised.listeners` gives clients.
public struct ListenerSpec: Sendable, Equatable {
    /// The listener's name (`PLAINTEXT`, `SASL_SSL`, `INTERNAL`, …), upper case as Kafka keeps it.
    public var name: String
    /// Where it binds; an empty host in `listeners` binds every interface (`0.0.0.0`).
    public var address: ListenAddress
    /// How its connections are secured.
    public var securityProtocol: SecurityProtocol
    /// The address Metadata gives a client that came in on this listener; nil means the bound one.
    public var advertised: ListenAddress?

    /// Whether the listener binds only the loopback interface.
    public var isLoopback: Bool {
        let host = address.host.lowercased()
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

extension BrokerConfiguration {
    /// Kafka's default `listener.security.protocol.map`: each protocol's own name.
    public static let defaultSecurityProtocolMap = SecurityProtocol.allCases.map { "\($0.rawValue):\($0.rawValue)" }
        .joined(separator: ",")

    /// The listeners to bind: those `listeners` names, or when it is empty the one PLAINTEXT listener of `listen`
    /// (advertised as `advertised.listen`), as before listeners had names.
    /// - Throws: `ConfigurationError` naming the entry that is wrong: an unknown protocol, a listener twice, an
    ///   advertised listener that is not bound, TLS without a certificate, SASL without a mechanism.
    public func resolvedListeners() throws(ConfigurationError) -> [ListenerSpec] {
        var specs: [ListenerSpec]
        if listeners.isEmpty {
            specs = [ListenerSpec(name: "PLAINTEXT", address: listen, securityProtocol: .plaintext,
                                  advertised: advertisedListen)]
        } else {
            let protocols = try Self.parseProtocolMap(listenerSecurityProtocolMap)
            specs = []
            for (name, address) in try Self.parseListeners(listeners, key: "listeners", allowPortZero: true) {
                guard let securityProtocol = protocols[name] else {
                    throw ConfigurationError(
                        "listener \(name) in listeners has no security protocol: add \(name):PROTOCOL to "
                            + "listener.security.protocol.map (PROTOCOL one of "
                            + SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                let bound = address.host.isEmpty ? ListenAddress(host: "0.0.0.0", port: address.port) : address
                specs.append(ListenerSpec(name: name, address: bound, securityProtocol: securityProtocol))
            }
            for (name, address) in try Self.parseListeners(advertisedListeners, key: "advertised.listeners",
                                                           allowPortZero: false)
            {
                guard let index = specs.firstIndex(where: { $0.name == name }) else {
                    throw ConfigurationError(
                        "advertised.listeners names \(name), which listeners does not bind: advertise only the "
                            + "listeners in listeners (\(specs.map(\.name).joined(separator: ", ")))")
                }
                guard !address.host.isEmpty else {
                    throw ConfigurationError(
                        "advertised.listeners entry \(name) has no host: clients need one to connect to")
                }
                specs[index].advertised = address
            }
        }
        if specs.contains(where: \.securityProtocol.usesTLS) && ssl.keystoreLocation.isEmpty {
            throw ConfigurationError(
                "a listener uses TLS (SSL or SASL_SSL) but ssl.keystore.location is empty: set it to the PEM "
                    + "file holding the server's certificate chain and private key (or a PKCS12 file with "
                    + "ssl.keystore.type=PKCS12)")
        }
        if specs.contains(where: \.securityProtocol.usesSASL) && enabledSaslMechanisms.isEmpty {
            throw ConfigurationError(
                "a listener uses SASL but sasl.enabled.mechanisms is empty: enable one of "
                    + SaslMechanismName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return specs
    }

    /// The SASL mechanisms `sasl.enabled.mechanisms` turns on, in its order.
    public var enabledSaslMechanisms: [SaslMechanismName] {
        saslEnabledMechanisms.split(separator: ",").compactMap {
            SaslMechanismName(rawValue: $0.trimmingCharacters(in: " "))
        }
    }

    /// Reads `NAME:PROTOCOL,…` (names upper-cased, as Kafka does).
    static func parseProtocolMap(_ text: String) throws(ConfigurationError) -> [String: SecurityProtocol] {
        var map: [String: SecurityProtocol] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].trimmingCharacters(in: " ").isEmpty,
                  let value = SecurityProtocol(rawValue: parts[1].trimmingCharacters(in: " ").uppercased())
            else {
                throw ConfigurationError(
                    "invalid entry '\(entry)' in listener.security.protocol.map: expected NAME:PROTOCOL with "
                        + "PROTOCOL one of " + SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", "))
            }
            map[parts[0].trimmingCharacters(in: " ").uppercased()] = value
        }
        return map
    }

    /// Reads `NAME://HOST:PORT,…` (an empty host allowed; names upper-cased and unique).
    static func parseListeners(_ text: String, key: String, allowPortZero: Bool) throws(ConfigurationError)
        -> [(String, ListenAddress)]
    {
        var result: [(String, ListenAddress)] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " ")
            let pieces = trimmed.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pieces.first.map { $0.uppercased() } ?? ""
            let rest = pieces.count == 2 ? String(pieces[1]) : ""
            let address: ListenAddress? =
                rest.hasPrefix(":") ? Int(rest.dropFirst()).map { ListenAddress(host: "", port: $0) }
                : ListenAddress(parsing: rest)
            guard pieces.count == 2, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                  let address, (0...65_535).contains(address.port), allowPortZero || address.port > 0
            else {
                throw ConfigurationError(
                    "invalid entry '\(trimmed)' in \(key): expected NAME://HOST:PORT, e.g. "
                        + "PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093")
            }
            guard !result.contains(where: { $0.0 == name }) else {
                throw ConfigurationError("listener \(name) appears twice in \(key): each name may appear once")
            }
            result.append((name, address))
        }
        return result
    }
}

extension StringProtocol {
    /// The text without leading and trailing `character`s.
    func trimmingCharacters(in character: Character) -> String {
        String(drop(while: { $0 == character }).reversed().drop(while: { $0 == character }).reversed())
    }
}

/// The address to advertise for a listener bound to every interface: this machine's host name.
func localHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
