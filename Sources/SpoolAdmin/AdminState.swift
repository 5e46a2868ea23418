import Foundation
import NIOConcurrencyHelpers
import SpoolBroker
import SpoolClient

/// What the admin listener knows of the broker it serves: the phase of start-up, the broker once its logs are
/// open, and the Kafka client the JSON API acts through. The listener starts before the logs are recovered, so
/// that `/health/live` answers (and `/health/ready` says why not) during a long recovery. Thread-safe: the
/// mutable part is behind a lock.
public final class AdminState: Sendable {
    /// Where start-up is.
    public enum Phase: String, Sendable {
        /// Opening the data directory and recovering logs.
        case recovering
        /// Logs loaded and the Kafka listener accepting.
        case ready
        /// Shutting down.
        case stopping
    }

    private struct State {
        var phase = Phase.recovering
        var broker: Broker?
        var client: KafkaClient?
        var adminPort: Int?
    }

    private let state = NIOLockedValueBox(State())
    /// When the process started (for uptime).
    public let startedAt = Date()

    /// A state in the recovering phase.
    public init() {}

    /// The current phase.
    public var phase: Phase { state.withLockedValue { $0.phase } }

    /// The broker, once its logs are open.
    public var broker: Broker? { state.withLockedValue { $0.broker } }

    /// Records the opened broker; the phase stays `recovering` until `markReady()`.
    public func opened(_ broker: Broker) { state.withLockedValue { $0.broker = broker } }

    /// The port the admin listener is bound to, once it is.
    public var adminPort: Int? { state.withLockedValue { $0.adminPort } }

    func listening(on port: Int?) { state.withLockedValue { $0.adminPort = port } }

    /// The broker answers Kafka requests.
    public func markReady() { state.withLockedValue { $0.phase = .ready } }

    /// The broker is shutting down: readiness fails so that load balancers stop sending.
    public func markStopping() { state.withLockedValue { $0.phase = .stopping } }

    /// The Kafka client the JSON API uses, connected to the broker's own listener; made on first use.
    /// - Throws: `AdminError.unavailable` before the broker is ready.
    func kafkaClient() throws -> KafkaClient {
        try state.withLockedValue { state in
            guard state.phase == .ready, let broker = state.broker else {
                throw AdminError.unavailable("the broker is \(state.phase.rawValue); try again once /health/ready answers 200")
            }
            if let client = state.client { return client }
            guard let listener = broker.plaintextListener else {
                throw AdminError.unavailable(
                    "the admin API acts through a PLAINTEXT Kafka listener and every listener uses TLS or SASL: add "
                        + "PLAINTEXT://127.0.0.1:PORT to listeners")
            }
            let client = KafkaClient(
                configuration: ClientConfiguration(
                    bootstrapServers: [Self.loopbackAddress(of: listener.host) + ":\(listener.port)"],
                    clientId: "spool-admin-http", requestTimeoutMs: 30_000))
            state.client = client
            return client
        }
    }

    /// Closes the Kafka client, if one was made.
    func closeClient() async {
        let client = state.withLockedValue { state -> KafkaClient? in
            defer { state.client = nil }
            return state.client
        }
        await client?.close()
    }

    /// Where to reach a listener bound to `host` from this process: a wildcard address through loopback.
    static func loopbackAddress(of host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "[::1]"
        default: host.contains(":") ? "[\(host)]" : host
        }
    }
}
