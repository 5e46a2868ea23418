import NIOCore
import Testing
@testable import SpoolProtocol

@Suite("Framing and headers")
struct FramingTests {
    /// Proves a frame is only taken once complete, and that partial frames leave the buffer untouched.
    @Test func partialFrames() throws {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 3, 1, 2])
        #expect(try KafkaFraming.readFrame(from: &buffer) == nil)
        #expect(buffer.readableBytes == 6)
        buffer.writeBytes([3, 0, 0])
        let frame = try KafkaFraming.readFrame(from: &buffer)
        #expect(frame.map { Array($0.readableBytesView) } == [1, 2, 3])
        #expect(buffer.readableBytes == 2)
        #expect(try KafkaFraming.readFrame(from: &buffer) == nil)
    }

    /// Proves negative and oversized sizes are refused as soon as the size arrives, before the body.
    @Test func hostileSizes() {
        var negative = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFE])
        #expect(throws: KafkaProtocolError.frameTooLarge(size: -2, limit: KafkaFraming.defaultMaximumFrameSize)) {
            try KafkaFraming.readFrame(from: &negative)
        }
        var oversized = ByteBuffer(bytes: [0x00, 0x00, 0x10, 0x01])
        #expect(throws: KafkaProtocolError.frameTooLarge(size: 4097, limit: 4096)) {
            try KafkaFraming.readFrame(from: &oversized, maximumFrameSize: 4096)
        }
    }

    /// Proves a request written by `encodeRequest` decodes back with the right header version and body.
    @Test func requestRoundTrip() throws {
        let body = MetadataRequest(topics: [.init(name: "orders")], allowAutoTopicCreation: true)
        for version: Int16 in [1, 4, 9, 12] {
            var wire = ByteBuffer()
            try KafkaCodec.encodeRequest(body, version: version, correlationId: 42, clientId: "spool", into: &wire)
            let frame = try #require(try KafkaFraming.readFrame(from: &wire))
            let request = try KafkaCodec.decodeRequest(frame)
            #expect(request.apiKey == .metadata)
            #expect(request.correlationId == 42)
            #expect(request.header.clientId == "spool")
            #expect(request.body as? MetadataRequest == body)
        }
    }

    /// Proves the header-version rules: flexible versions use request header v2 / response header v1,
    /// ApiVersions responses always use header v0, ControlledShutdown v0 uses request header v0.
    @Test func headerVersions() {
        #expect(ApiKey.produce.requestHeaderVersion(for: 8) == 1)
        #expect(ApiKey.produce.requestHeaderVersion(for: 9) == 2)
        #expect(ApiKey.produce.responseHeaderVersion(for: 9) == 1)
        #expect(ApiKey.apiVersions.requestHeaderVersion(for: 3) == 2)
        #expect(ApiKey.apiVersions.responseHeaderVersion(for: 3) == 0)
        #expect(ApiKey.controlledShutdown.requestHeaderVersion(for: 0) == 0)
        #expect(ApiKey.fetch.validVersions == 0...17)
        // Kafka 4.1's share-group schemas: flexible "0+" below their only version 1, so v1 is flexible.
        #expect(ApiKey.shareGroupHeartbeat.requestHeaderVersion(for: 1) == 2)
        #expect(ApiKey.shareFetch.responseHeaderVersion(for: 1) == 1)
        #expect(ApiKey.deleteShareGroupOffsets.requestHeaderVersion(for: 0) == 2)
        #expect(ApiKey.allCases.count == 91)  // 88 in messages/, plus APIs 90-92 from messages-4.x
    }

    /// Proves an unknown api key is refused with its number, and an unsupported version as such.
    @Test func unknownKeysAndVersions() throws {
        var header = ByteBuffer()
        try RequestHeader(requestApiKey: 999, requestApiVersion: 0, correlationId: 7, clientId: nil)
            .encode(into: &header, version: 1)
        #expect(throws: KafkaProtocolError.unknownApiKey(999)) { try KafkaCodec.decodeRequest(header) }
        var tooNew = ByteBuffer()
        try RequestHeader(requestApiKey: 0, requestApiVersion: 99, correlationId: 7, clientId: nil)
            .encode(into: &tooNew, version: 2)
        let error = try #require(throws: KafkaProtocolError.self) { try KafkaCodec.decodeRequest(tooNew) }
        #expect(error.isUnsupportedVersion)
        // The header alone still parses, so a broker can answer with the correlation id.
        var body = tooNew
        #expect(try RequestHeader.parse(from: &body).correlationId == 7)
    }
}
