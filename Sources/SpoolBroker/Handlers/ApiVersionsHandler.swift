import NIOCore
import SpoolProtocol

/// ApiVersions (18): the versions Spool answers, per API.
enum ApiVersionsHandler {
    static func handle(_ request: ApiVersionsRequest, version: Int16) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: KafkaErrorCode.none.rawValue, apiKeys: advertised())
    }

    /// A request at a version Spool does not answer: error 35 with the supported ranges, in a v0 body with
    /// a v0 header, as Kafka does so that any client can read it and retry at a version it shares.
    static func unsupportedVersion(header: RequestHeader) throws -> KafkaReply {
        let response = ApiVersionsResponse(errorCode: KafkaErrorCode.unsupportedVersion.rawValue, apiKeys: advertised())
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeResponse(response, version: 0, correlationId: header.correlationId, into: &buffer)
        return .frame(buffer)
    }

    private static func advertised() -> [ApiVersionsResponse.ApiVersion] {
        SupportedVersions.table.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            ApiVersionsResponse.ApiVersion(apiKey: $0.key.rawValue, minVersion: $0.value.lowerBound, maxVersion: $0.value.upperBound)
        }
    }
}
