import NIOCore
import SpoolProtocol

/// Every Kafka API the broker answers, each registered once with its handler. The registry is the one source
/// of both the ApiVersions answer (`advertised`) and dispatch (`route(for:)`): an API is reachable at exactly
/// the versions it advertises. A value built once at start-up (`APIRegistry.broker(...)`), then only read;
/// thread-safe as any immutable value.
struct APIRegistry: Sendable {
    /// One registered API, with its handler's type erased so that dispatch can reach it by key.
    struct Route: Sendable {
        let apiKey: ApiKey
        let versions: ClosedRange<Int16>
        /// Decodes the request body that follows the header.
        let decode: @Sendable (inout ByteBuffer, Int16) throws -> any KafkaRequestMessage
        /// Hands a decoded request to the handler.
        let handle: @Sendable (any KafkaRequestMessage, RequestContext) async throws -> KafkaReply
    }

    private var routes: [ApiKey: Route] = [:]

    init() {}

    /// Adds `handler`'s API. Each API is registered once, and ApiVersions last, since its answer lists what
    /// was registered before it (`registerApiVersions()`).
    mutating func register<Handler: KafkaAPIHandler>(_ handler: Handler) {
        let key = Handler.apiKey
        precondition(key == Handler.Request.apiKey, "\(Handler.self) answers \(key.name) with another API's request")
        precondition(routes[key] == nil, "\(key.name) is registered twice")
        precondition(routes[.apiVersions] == nil, "ApiVersions must be registered last: it advertises the others")
        let codecVersions = Handler.Request.validVersions
        precondition(
            codecVersions.contains(Handler.versions.lowerBound) && codecVersions.contains(Handler.versions.upperBound),
            "\(key.name) advertises \(Handler.versions), beyond the codec's \(codecVersions)")
        routes[key] = Route(
            apiKey: key, versions: Handler.versions,
            decode: { buffer, version in try Handler.Request(from: &buffer, version: version) },
            handle: { request, context in
                // Dispatch decoded the request with this route's `decode`, so the cast holds.
                guard let request = request as? Handler.Request else {
                    throw ConnectionError(description: "\(key.name) was handed a \(type(of: request))")
                }
                return try await handler.handle(request, context: context)
            })
    }

    /// Registers ApiVersions, answering with every API registered so far and itself; call it last.
    mutating func registerApiVersions() {
        var advertised = self.advertised
        advertised[ApiVersionsHandler.apiKey] = ApiVersionsHandler.versions
        register(ApiVersionsHandler(advertised: advertised))
    }

    /// The route of `key`, or nil when the API is not registered (dispatch closes the connection).
    func route(for key: ApiKey) -> Route? { routes[key] }

    /// The versions `key` is advertised and dispatched at, or nil when it is not registered.
    func versions(of key: ApiKey) -> ClosedRange<Int16>? { routes[key]?.versions }

    /// Every registered API with its versions: what ApiVersions lists.
    var advertised: [ApiKey: ClosedRange<Int16>] { routes.mapValues(\.versions) }
}
