import Testing

@testable import SpoolBroker

/// `listeners`, `advertised.listeners` and `listener.security.protocol.map` as Kafka spells them, and the errors
/// that say what to fix when they do not fit together.
@Suite struct ListenerConfigurationTests {
    static func load(_ flags: [String: String]) async throws -> BrokerConfiguration {
        try await ConfigurationLoader.load(flags: flags, environment: [:], configFile: nil).configuration
    }

    static func error(_ flags: [String: String]) async -> String {
        do {
            _ = try await load(flags)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("with listeners empty, `listen` is one PLAINTEXT listener advertised as advertised.listen")
    func legacyListen() async throws {
        let configuration = try await Self.load(["listen": "127.0.0.1:9999", "advertised.listen": "kafka.example:19"])
        let listeners = try configuration.resolvedListeners()
        #expect(listeners == [
            ListenerSpec(
                name: "PLAINTEXT", address: ListenAddress(host: "127.0.0.1", port: 9999), securityProtocol: .plaintext,
                advertised: ListenAddress(host: "kafka.example", port: 19)),
        ])
    }

    @Test("named listeners take their protocol from the map (custom names too) and their advertised address")
    func namedListeners() async throws {
        let configuration = try await Self.load([
            "listeners": "PLAINTEXT://127.0.0.1:9092, internal://:9094,SASL_SSL://0.0.0.0:9093",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
            "advertised.listeners": "SASL_SSL://kafka.example.com:443",
            "ssl.keystore.location": "/etc/spool/server.pem",
        ])
        let listeners = try configuration.resolvedListeners()
        #expect(listeners.map(\.name) == ["PLAINTEXT", "INTERNAL", "SASL_SSL"])
        #expect(listeners.map(\.securityProtocol) == [.plaintext, .saslPlaintext, .saslSSL])
        #expect(listeners[1].address == ListenAddress(host: "0.0.0.0", port: 9094))
        #expect(listeners[2].advertised == ListenAddress(host: "kafka.example.com", port: 443))
        #expect(listeners[0].isLoopback && !listeners[2].isLoopback)
        let cluster = ClusterIdentity(clusterId: "c", listeners: listeners)
        #expect(cluster.advertisedAddress(for: "SASL_SSL") == ListenAddress(host: "kafka.example.com", port: 443))
        #expect(cluster.advertisedAddress(for: "PLAINTEXT") == ListenAddress(host: "127.0.0.1", port: 9092))
        cluster.listenerBound("SASL_SSL", port: 1)
        #expect(cluster.advertisedAddress(for: "SASL_SSL").port == 443, "a configured advertised port stays")
    }

    @Test("inconsistent security settings are refused at load with what to fix", arguments: [
        (["listeners": "PLAINTEXT:/127.0.0.1:9092"], "expected NAME://HOST:PORT"),
        (["listeners": "A://127.0.0.1:1,A://127.0.0.1:2"], "appears twice"),
        (["listeners": "EXTERNAL://127.0.0.1:9092"], "add EXTERNAL:PROTOCOL to listener.security.protocol.map"),
        (["listeners": "SSL://127.0.0.1:9093"], "ssl.keystore.location is empty"),
        (["listeners": "PLAINTEXT://127.0.0.1:9092", "advertised.listeners": "SSL://x:1"], "which listeners does not bind"),
        (["listener.security.protocol.map": "A:TLS"], "PROTOCOL one of PLAINTEXT, SSL"),
        (["sasl.enabled.mechanisms": "GSSAPI"], "unknown SASL mechanism 'GSSAPI'"),
        (["listeners": "SASL_PLAINTEXT://127.0.0.1:1", "sasl.enabled.mechanisms": ""], "sasl.enabled.mechanisms is empty"),
    ])
    func refused(flags: [String: String], message: String) async {
        let error = await Self.error(flags)
        #expect(error.contains(message), "\(error)")
    }

    @Test("passwords are printed as [hidden], never in clear")
    func hiddenPasswords() async throws {
        let configuration = try await Self.load(["ssl.keystore.password": "hunter2", "ssl.key.password": "p"])
        let printed = Settings.all.map { "\($0.key)=\($0.current(configuration))" }
        #expect(printed.contains("ssl.keystore.password=[hidden]"))
        #expect(printed.contains("ssl.key.password=[hidden]"))
        #expect(!printed.joined().contains("hunter2"))
    }
}
