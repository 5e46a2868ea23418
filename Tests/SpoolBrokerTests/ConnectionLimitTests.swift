import Foundation
import NIOCore
import SpoolProtocol
import Testing

/// The listener's limits, against the real broker process: max.connections, connections.max.idle.ms,
/// socket.request.max.bytes, and many pipelined requests answered in order.
@Suite(.serialized) struct ConnectionLimitTests {
    @Test("connections beyond max.connections are closed on accept with a log line; the others keep working")
    func maxConnections() async throws {
        let broker = try await RunningBroker(extraArguments: ["--set", "max.connections=2"])
        let first = try BlockingKafkaConnection(port: broker.port)
        let second = try BlockingKafkaConnection(port: broker.port)
        _ = try first.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        _ = try second.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        let third = try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(5))
        third.send(frame(apiKey: 18, version: 0, correlationId: 1, body: []))
        #expect(try third.readFrame() == .closed)
        #expect(broker.process.stderr.contains("refusing connection: max.connections reached"))
        _ = try first.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        #expect(try await broker.stop() == 0)
    }

    @Test("an idle connection is closed after connections.max.idle.ms")
    func idleConnections() async throws {
        let broker = try await RunningBroker(extraArguments: ["--set", "connections.max.idle.ms=300"])
        let connection = try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(5))
        _ = try connection.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        // Nothing is sent: within the read timeout the broker closes the connection.
        #expect(try connection.readFrame() == .closed)
        #expect(try await broker.stop() == 0)
    }

    @Test("a frame over socket.request.max.bytes closes the connection before its body is read")
    func frameLimit() async throws {
        let broker = try await RunningBroker(extraArguments: ["--set", "socket.request.max.bytes=4096"])
        let connection = try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(5))
        connection.send(bigEndian(Int32(4097)))
        #expect(try connection.readFrame() == .closed)
        #expect(broker.process.stderr.contains("4097"))
        // The broker keeps serving other connections.
        let fresh = try BlockingKafkaConnection(port: broker.port)
        _ = try fresh.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        #expect(try await broker.stop() == 0)
    }

    @Test("200 pipelined requests on one connection are answered in order, past the in-flight limit")
    func pipelining() async throws {
        let broker = try await RunningBroker(extraArguments: ["--set", "max.in.flight.requests.per.connection=8"])
        let connection = try BlockingKafkaConnection(port: broker.port)
        var bytes: [UInt8] = []
        for correlationId in Int32(1)...200 {
            var buffer = ByteBuffer()
            try KafkaCodec.encodeRequest(
                MetadataRequest(topics: []), version: 1, correlationId: correlationId, clientId: "pipeline",
                into: &buffer)
            bytes += Array(buffer.readableBytesView)
        }
        connection.send(bytes)
        for correlationId in Int32(1)...200 {
            guard case .frame(let reply) = try connection.readFrame() else {
                Issue.record("no answer for request \(correlationId)")
                break
            }
            let (header, _) = try KafkaCodec.decodeResponse(reply, as: MetadataResponse.self, version: 1)
            #expect(header.correlationId == correlationId)
        }
        #expect(try await broker.stop() == 0)
    }
}
