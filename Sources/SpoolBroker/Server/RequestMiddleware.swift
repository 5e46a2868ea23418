import Logging
import Metrics
import SpoolProtocol

/// Runs around every dispatched request, after its header and body are decoded and before (and after) its
/// handler: it may observe, answer in the handler's place, or throw to close the connection. Request metrics
/// and request logging are middleware; authentication (SASL) and authorization (ACLs) will be too, refusing a
/// request before it reaches its handler. Thread-safe: one value serves every connection.
protocol RequestMiddleware: Sendable {
    /// The rest of the chain: the next middleware, and at the end the API's handler.
    typealias Next = @Sendable (any KafkaRequestMessage, RequestContext) async throws -> KafkaReply

    /// Handles `request`, normally by calling `next` with it.
    /// - Throws: an error when the connection must be closed.
    func handle(_ request: any KafkaRequestMessage, context: RequestContext, next: Next) async throws -> KafkaReply
}

/// swift-metrics numbers of every request: `spool_requests_total` and `spool_request_errors_total` (requests
/// that closed their connection) per API and version, and `spool_request_duration_seconds` per API. The
/// instruments are made once, for what the registry answers. Thread-safe (metrics handlers are).
struct RequestMetricsMiddleware: RequestMiddleware {
    private struct Instruments: Sendable {
        let requests: Counter
        let errors: Counter
        let duration: Metrics.Timer
    }

    private struct Key: Hashable {
        let apiKey: ApiKey
        let version: Int16
    }

    private let instruments: [Key: Instruments]

    init(registry: APIRegistry) {
        var instruments: [Key: Instruments] = [:]
        for (apiKey, versions) in registry.advertised {
            let duration = Metrics.Timer(label: "spool_request_duration_seconds", dimensions: [("api", apiKey.name)])
            for version in versions {
                let dimensions = [("api", apiKey.name), ("version", "\(version)")]
                instruments[Key(apiKey: apiKey, version: version)] = Instruments(
                    requests: Counter(label: "spool_requests_total", dimensions: dimensions),
                    errors: Counter(label: "spool_request_errors_total", dimensions: dimensions),
                    duration: duration)
            }
        }
        self.instruments = instruments
    }

    func handle(_ request: any KafkaRequestMessage, context: RequestContext, next: Next) async throws -> KafkaReply {
        let measured = instruments[Key(apiKey: type(of: request).apiKey, version: context.version)]
        measured?.requests.increment()
        let start = ContinuousClock.now
        do {
            let reply = try await next(request, context)
            measured?.duration.record(duration: ContinuousClock.now - start)
            return reply
        } catch {
            measured?.errors.increment()
            throw error
        }
    }
}

/// Logs every request at debug level, when answered: API, version, correlation id, client and duration.
/// Thread-safe.
struct RequestLoggingMiddleware: RequestMiddleware {
    let logger: Logger

    func handle(_ request: any KafkaRequestMessage, context: RequestContext, next: Next) async throws -> KafkaReply {
        guard logger.logLevel <= .debug else { return try await next(request, context) }
        let start = ContinuousClock.now
        let reply = try await next(request, context)
        logger.debug(
            "request answered",
            metadata: [
                "api": "\(type(of: request).apiKey.name)", "version": "\(context.version)",
                "correlationId": "\(context.header.correlationId)", "clientId": "\(context.header.clientId ?? "")",
                "connection": "\(context.session.id)", "remote": "\(context.remote)",
                "duration": "\(ContinuousClock.now - start)",
            ])
        return reply
    }
}
