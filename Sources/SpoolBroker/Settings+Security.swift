extension Settings {
    /// Listeners, TLS and SASL, under Kafka's broker config names. Each is checked alone here; how they fit
    /// together (a listener's protocol, a TLS listener's certificate) is checked by `resolvedListeners()` at load.
    static let security: [Setting] = [
        text("listeners", "Named Kafka listeners, NAME://HOST:PORT,...; empty for one PLAINTEXT listener on listen.",
             \.listeners) { value throws(ConfigurationError) in
            _ = try BrokerConfiguration.parseListeners(value, key: "listeners", allowPortZero: true)
        },
        text("advertised.listeners", "Address clients are given per listener, NAME://HOST:PORT,...; empty for the "
                + "bound ones.", \.advertisedListeners) { value throws(ConfigurationError) in
            _ = try BrokerConfiguration.parseListeners(value, key: "advertised.listeners", allowPortZero: false)
        },
        text("listener.security.protocol.map",
             "Each listener name's protocol, NAME:PROTOCOL,... (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).",
             \.listenerSecurityProtocolMap) { value throws(ConfigurationError) in
            _ = try BrokerConfiguration.parseProtocolMap(value)
        },
        text("sasl.enabled.mechanisms", "SASL mechanisms offered: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.",
             \.saslEnabledMechanisms) { value throws(ConfigurationError) in
            for name in value.split(separator: ",") where SaslMechanismName(rawValue: name.trimmingCharacters(in: " ")) == nil {
                throw ConfigurationError(
                    "unknown SASL mechanism '\(name)' in sasl.enabled.mechanisms: Spool offers "
                        + SaslMechanismName.allCases.map(\.rawValue).joined(separator: ", "))
            }
        },
        integer("connections.max.reauth.ms",
                "A SASL login holds this long before the client must re-authenticate, in ms; 0 for ever.",
                0...Int64.max, \.connectionsMaxReauthMs),
        choice("ssl.keystore.type", "Format of ssl.keystore.location: PEM (certificate chain and key) or PKCS12.",
               ["PEM", "PKCS12"], \.ssl.keystoreType),
        text("ssl.keystore.location", "File with the TLS listeners' certificate chain and private key.",
             \.ssl.keystoreLocation),
        secret("ssl.keystore.password", "Password of a PKCS12 ssl.keystore.location.", \.ssl.keystorePassword),
        secret("ssl.key.password", "Passphrase of an encrypted PEM private key.", \.ssl.keyPassword),
        text("ssl.truststore.location", "PEM CA certificates client certificates must chain to; empty: the system's.",
             \.ssl.truststoreLocation),
        choice("ssl.client.auth", "Client certificates: none, requested (checked when sent) or required.",
               ["none", "requested", "required"], \.ssl.clientAuth),
    ]

    /// A text setting that may be empty, checked by `check`.
    private static func text(
        _ key: String, _ help: String, _ path: WritableKeyPath<BrokerConfiguration, String> & Sendable,
        check: @escaping @Sendable (String) throws(ConfigurationError) -> Void = { _ in }
    ) -> Setting {
        string(key, help, path, allowsEmpty: true, check: check)
    }

    /// A password: set like text, printed as `[hidden]` (Kafka's word) so that `--print-config` and logs never
    /// show it.
    private static func secret(_ key: String, _ help: String,
                               _ path: WritableKeyPath<BrokerConfiguration, String> & Sendable) -> Setting
    {
        Setting(
            key: key, help: help,
            apply: { (value, configuration) throws(ConfigurationError) in configuration[keyPath: path] = value },
            current: { $0[keyPath: path].isEmpty ? "" : "[hidden]" })
    }
}
