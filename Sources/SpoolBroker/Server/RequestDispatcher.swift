import Logging
import NIOCore
import SpoolProtocol

/// Why a connection is closed instead of answered (Kafka closes on these too).
struct ConnectionError: Error, CustomStringConvertible {
    let description: String
}

/// Turns one request frame into a reply: parses the header, checks the API and version against the registry,
/// decodes the body and passes it through the middleware to the API's handler. Thread-safe (immutable).
final class RequestDispatcher: Sendable {
    /// The APIs answered, and their versions.
    let registry: APIRegistry
    /// Where refusals are logged, rate-limited (handlers reach it through `RequestContext.refusals`).
    let refusals: RefusalLog
    /// SASL for the SASL listeners' connections (bare tokens after SaslHandshake v0); nil when none uses SASL.
    let sasl: SaslAuthenticator?
    /// What decides whether a request may touch a resource; nil when `authorizer.class.name` is empty.
    let authorizer: Authorizer?
    private let chain: RequestMiddleware.Next

    /// - Parameters:
    ///   - registry: the APIs to answer.
    ///   - middleware: what runs around every handler, outermost first.
    ///   - refusals: where refusals are logged.
    ///   - sasl: SASL for the SASL listeners, if any.
    ///   - authorizer: the authorizer, nil for none (everything allowed).
    init(registry: APIRegistry, middleware: [any RequestMiddleware] = [],
         refusals: RefusalLog = RefusalLog(logger: Logger(label: "spool"), linesPerSecond: 10),
         sasl: SaslAuthenticator? = nil, authorizer: Authorizer? = nil)
    {
        self.registry = registry
        self.refusals = refusals
        self.sasl = sasl
        self.authorizer = authorizer
        let innermost: RequestMiddleware.Next = { [registry] request, context in
            guard let route = registry.route(for: type(of: request).apiKey) else {
                throw ConnectionError(description: "no handler for \(type(of: request).apiKey.name)")
            }
            return try await route.handle(request, context)
        }
        self.chain = middleware.reversed().reduce(innermost) { next, middleware in
            { request, context in try await middleware.handle(request, context: context, next: next) }
        }
    }

    /// Answers one request frame (its size prefix removed).
    /// - Parameters:
    ///   - frame: the request header and body.
    ///   - session: the connection's session.
    ///   - eventLoop: the connection's event loop.
    ///   - gate: opened when the request's ordered part is done.
    /// - Throws: `ConnectionError` (or a protocol error) when the connection must be closed: an API or version
    ///   not registered (except ApiVersions, answered with error 35), malformed bytes, a request other than
    ///   ApiVersions and SASL before a SASL listener's connection authenticated, or a failed bare-token SASL
    ///   exchange.
    func handle(frame: ByteBuffer, session: ConnectionSession, eventLoop: any EventLoop, gate: RequestGate)
        async throws -> KafkaReply
    {
        if session.requiresSasl, let sasl, session.saslPhase.expectsRawToken {
            return try await sasl.answerRawToken(frame, session: session, refusals: refusals)
        }
        var buffer = frame
        let header = try RequestHeader.parse(from: &buffer)
        guard let apiKey = ApiKey(rawValue: header.requestApiKey), let route = registry.route(for: apiKey) else {
            throw ConnectionError(description: "unsupported API key \(header.requestApiKey) from \(session.remote)")
        }
        let version = header.requestApiVersion
        guard route.versions.contains(version) else {
            if apiKey == .apiVersions {
                return try ApiVersionsHandler.unsupportedVersion(header: header, advertised: registry.advertised)
            }
            throw ConnectionError(
                description: "unsupported version \(version) of \(apiKey.name) (Spool answers \(route.versions)) "
                    + "from \(session.remote)")
        }
        try session.admit(apiKey)
        session.sawClientId(header.clientId)
        let request = try route.decode(&buffer, version)
        let context = RequestContext(
            header: header, version: version, session: session, eventLoop: eventLoop, gate: gate, refusals: refusals,
            authorizer: authorizer)
        return try await chain(request, context)
    }
}

/// What a handler knows of the request besides its body.
struct RequestContext: Sendable {
    let header: RequestHeader
    let version: Int16
    /// The connection the request came on.
    let session: ConnectionSession
    /// The connection's event loop, where delayed operations may schedule their timers.
    let eventLoop: any EventLoop
    /// Opened when the request's ordered part is done (the next request on the connection may start).
    let gate: RequestGate
    /// Where a refusal of this request, or of one of its resources, is logged (one rate-limited line each).
    let refusals: RefusalLog
    /// The broker's authorizer; nil when none is configured (see `RequestContext+Authorization.swift`).
    let authorizer: Authorizer?

    /// The client's address.
    var remote: String { session.remote }
}
