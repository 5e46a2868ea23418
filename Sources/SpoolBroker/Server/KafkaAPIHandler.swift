import NIOCore
import SpoolProtocol

/// One Kafka API, answered: the versions it speaks and what it does with a decoded request. A handler holds only
/// the parts of the broker it uses (the catalog, the group coordinator, the configuration…), is registered once
/// in an `APIRegistry`, and from there is both advertised by ApiVersions and reached by dispatch, so the two
/// cannot disagree. Thread-safe (`Sendable`): one value serves every connection at once.
protocol KafkaAPIHandler: Sendable {
    associatedtype Request: KafkaRequestMessage
    /// The API this handler answers; the same as `Request.apiKey`.
    static var apiKey: ApiKey { get }
    /// The versions advertised in ApiVersions and accepted by dispatch.
    static var versions: ClosedRange<Int16> { get }
    /// Answers one request; the reply is written in request order by the connection.
    /// - Throws: an error when the connection must be closed instead of answered.
    func handle(_ request: Request, context: RequestContext) async throws -> KafkaReply
}

/// For handlers whose answer is one generated response message (most of them).
protocol KafkaResponseHandler: KafkaAPIHandler {
    // Restated so that a handler's `respond` alone names its request type (inference does not look through
    // the default `handle` below).
    associatedtype Request
    associatedtype Response: KafkaResponseMessage
    /// The response to `request`, encoded by `handle` at the request's version.
    func respond(_ request: Request, context: RequestContext) async throws -> Response
}

extension KafkaAPIHandler {
    static var apiKey: ApiKey { Request.apiKey }
}

extension KafkaResponseHandler {
    func handle(_ request: Request, context: RequestContext) async throws -> KafkaReply {
        try KafkaReply.encoding(try await respond(request, context: context), context: context)
    }
}

extension KafkaReply {
    /// A whole frame holding `response`, encoded at the request's version with its correlation id.
    /// - Throws: `KafkaProtocolError` when the response has a field the version cannot carry.
    static func encoding<Response: KafkaResponseMessage>(_ response: Response, context: RequestContext) throws
        -> KafkaReply
    {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeResponse(
            response, version: context.version, correlationId: context.header.correlationId, into: &buffer)
        return .frame(buffer)
    }
}
