import NIOCore

/// A request taken apart: its header and its decoded body.
public struct KafkaRequest: Sendable {
    /// The request header (api key, version, correlation id, client id).
    public var header: RequestHeader
    /// The API the header names.
    public var apiKey: ApiKey
    /// The decoded body; cast to the concrete type given by `apiKey.requestType`.
    public var body: any KafkaRequestMessage

    /// Makes a request from its parts.
    /// - Parameters:
    ///   - header: the request header.
    ///   - apiKey: the API.
    ///   - body: the body.
    public init(header: RequestHeader, apiKey: ApiKey, body: any KafkaRequestMessage) {
        self.header = header
        self.apiKey = apiKey
        self.body = body
    }

    /// The API version the client sent.
    public var version: Int16 { header.requestApiVersion }
    /// The correlation id the response must echo.
    public var correlationId: Int32 { header.correlationId }
}

extension RequestHeader {
    /// The header version a request with this api key and version uses: 2 for flexible versions, else 1
    /// (0 for ControlledShutdown v0). Unknown keys are read as version 1 so that the correlation id is known.
    /// - Parameters:
    ///   - apiKey: the raw api key.
    ///   - apiVersion: the API version.
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        ApiKey(rawValue: apiKey)?.requestHeaderVersion(for: apiVersion) ?? 1
    }

    /// Reads a request header from the start of a frame body, choosing the header version from the api key
    /// and version it begins with.
    /// - Parameter buffer: a frame body; the reader index moves past the header.
    /// - Throws: `KafkaProtocolError` for short or malformed bytes.
    public static func parse(from buffer: inout ByteBuffer) throws(KafkaProtocolError) -> RequestHeader {
        guard let key = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int16.self),
            let version = buffer.getInteger(at: buffer.readerIndex + 2, endianness: .big, as: Int16.self)
        else { throw .truncated("request header", needed: 4, available: buffer.readableBytes) }
        return try RequestHeader(from: &buffer, version: headerVersion(apiKey: key, apiVersion: version))
    }
}

/// Plain functions between frame bodies and requests or responses.
public enum KafkaCodec {
    /// Decodes a request frame body (the bytes after the size prefix): header, then body.
    /// - Parameter frame: one frame body, as `KafkaFraming.readFrame` returns it.
    /// - Throws: `KafkaProtocolError` for an unknown api key, an unsupported version, or malformed bytes.
    public static func decodeRequest(_ frame: ByteBuffer) throws(KafkaProtocolError) -> KafkaRequest {
        var buffer = frame
        let header = try RequestHeader.parse(from: &buffer)
        return try decodeRequestBody(from: &buffer, header: header)
    }

    /// Decodes the body that follows an already parsed header. A broker parses the header first so that it
    /// can still answer (with the correlation id) when the body's version is unsupported, as ApiVersions
    /// requires.
    /// - Parameters:
    ///   - buffer: the frame body, positioned after the header.
    ///   - header: the parsed request header.
    /// - Throws: `KafkaProtocolError` for an unknown api key, an unsupported version, or malformed bytes.
    public static func decodeRequestBody(
        from buffer: inout ByteBuffer, header: RequestHeader
    ) throws(KafkaProtocolError) -> KafkaRequest {
        guard let apiKey = ApiKey(rawValue: header.requestApiKey) else {
            throw .unknownApiKey(header.requestApiKey)
        }
        let body = try apiKey.requestType.init(from: &buffer, version: header.requestApiVersion)
        return KafkaRequest(header: header, apiKey: apiKey, body: body)
    }

    /// Encodes a whole request frame: size, header of the right version, body.
    /// - Parameters:
    ///   - body: the request body.
    ///   - version: the API version.
    ///   - correlationId: the id the response will echo.
    ///   - clientId: the client id, or nil.
    ///   - buffer: where to write.
    /// - Throws: `KafkaProtocolError` if the body cannot be expressed in `version`.
    public static func encodeRequest<Body: KafkaRequestMessage>(
        _ body: Body, version: Int16, correlationId: Int32, clientId: String?, into buffer: inout ByteBuffer
    ) throws(KafkaProtocolError) {
        let header = RequestHeader(
            requestApiKey: Body.apiKey.rawValue, requestApiVersion: version,
            correlationId: correlationId, clientId: clientId)
        try KafkaFraming.writeFrame(into: &buffer) { (frame: inout ByteBuffer) throws(KafkaProtocolError) in
            try header.encode(into: &frame, version: Body.apiKey.requestHeaderVersion(for: version))
            try body.encode(into: &frame, version: version)
        }
    }

    /// Encodes a whole response frame: size, response header of the right version, body.
    /// - Parameters:
    ///   - body: the response body.
    ///   - version: the API version of the request being answered.
    ///   - correlationId: the request's correlation id.
    ///   - buffer: where to write.
    /// - Throws: `KafkaProtocolError` if the body cannot be expressed in `version`.
    public static func encodeResponse<Body: KafkaResponseMessage>(
        _ body: Body, version: Int16, correlationId: Int32, into buffer: inout ByteBuffer
    ) throws(KafkaProtocolError) {
        let header = ResponseHeader(correlationId: correlationId)
        try KafkaFraming.writeFrame(into: &buffer) { (frame: inout ByteBuffer) throws(KafkaProtocolError) in
            try header.encode(into: &frame, version: Body.apiKey.responseHeaderVersion(for: version))
            try body.encode(into: &frame, version: version)
        }
    }

    /// Decodes a response frame body whose API and version the caller knows from its request.
    /// - Parameters:
    ///   - frame: one frame body.
    ///   - type: the response type expected.
    ///   - version: the API version of the request.
    /// - Throws: `KafkaProtocolError` for malformed bytes.
    public static func decodeResponse<Body: KafkaResponseMessage>(
        _ frame: ByteBuffer, as type: Body.Type, version: Int16
    ) throws(KafkaProtocolError) -> (header: ResponseHeader, body: Body) {
        var buffer = frame
        let header = try ResponseHeader(from: &buffer, version: Body.apiKey.responseHeaderVersion(for: version))
        let body = try Body(from: &buffer, version: version)
        return (header, body)
    }
}
