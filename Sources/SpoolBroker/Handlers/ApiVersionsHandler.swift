import NIOCore
import SpoolProtocol

/// ApiVersions (18): the versions Spool answers, per API: exactly what the registry holds.
struct ApiVersionsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...4

    private let apiKeys: [ApiVersionsResponse.ApiVersion]

    /// - Parameter advertised: every registered API, this one included (`APIRegistry.registerApiVersions()`).
    init(advertised: [ApiKey: ClosedRange<Int16>]) {
        apiKeys = Self.list(advertised)
    }

    func respond(_ request: ApiVersionsRequest, context: RequestContext) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: KafkaErrorCode.none.rawValue, apiKeys: apiKeys)
    }

    /// A request at a version Spool does not answer: error 35 with the supported ranges, in a v0 body with
    /// a v0 header, as Kafka does so that any client can read it and retry at a version it shares.
    static func unsupportedVersion(header: RequestHeader, advertised: [ApiKey: ClosedRange<Int16>]) throws
        -> KafkaReply
    {
        let response = ApiVersionsResponse(
            errorCode: KafkaErrorCode.unsupportedVersion.rawValue, apiKeys: list(advertised))
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeResponse(response, version: 0, correlationId: header.correlationId, into: &buffer)
        return .frame(buffer)
    }

    private static func list(_ advertised: [ApiKey: ClosedRange<Int16>]) -> [ApiVersionsResponse.ApiVersion] {
        advertised.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            ApiVersionsResponse.ApiVersion(
                apiKey: $0.key.rawValue, minVersion: $0.value.lowerBound, maxVersion: $0.value.upperBound)
        }
    }
}
