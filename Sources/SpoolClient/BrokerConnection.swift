import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP connection to one broker: requests are pipelined (written without waiting for earlier
/// responses) and responses matched to them by correlation id. Every request has a deadline; a missed
/// deadline closes the connection, because Kafka answers in order and a late answer would block the rest.
///
/// Thread-safe: the channel's pipeline owns the waiting requests; the correlation counter is locked.
final class BrokerConnection: Sendable {
    let address: String
    let clientId: String
    private let channel: any Channel
    private let correlation = NIOLockedValueBox<Int32>(0)
    /// The versions the broker advertised (ApiVersions), per api key.
    let brokerVersions: [Int16: ClosedRange<Int16>]

    private init(channel: any Channel, address: String, clientId: String, brokerVersions: [Int16: ClosedRange<Int16>]) {
        self.channel = channel
        self.address = address
        self.clientId = clientId
        self.brokerVersions = brokerVersions
    }

    /// Whether the connection can still carry requests.
    var isActive: Bool { channel.isActive }

    /// Connects and negotiates versions with ApiVersions (v3, falling back to v0 when the broker answers
    /// UNSUPPORTED_VERSION, as Kafka clients do).
    /// - Throws: `SpoolClientError.connectionFailed` or `.timedOut`.
    static func connect(
        host: String, port: Int, clientId: String, group: any EventLoopGroup, timeouts: ClientTimeouts
    ) async throws(SpoolClientError) -> BrokerConnection {
        let address = "\(host):\(port)"
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(timeouts.connectMs))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(ResponseFrameDecoder()), ResponseDispatcher(address: address))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw .connectionFailed(address, reason(error, timeoutMs: timeouts.connectMs))
        }
        let bare = BrokerConnection(channel: channel, address: address, clientId: clientId, brokerVersions: [:])
        do {
            let versions = try await bare.negotiate(timeoutMs: timeouts.requestMs)
            return BrokerConnection(channel: channel, address: address, clientId: clientId, brokerVersions: versions)
        } catch {
            bare.close()
            throw error
        }
    }

    /// A short reason for a failed connect ("Connection refused"), not NIO's nested error values.
    private static func reason(_ error: any Error, timeoutMs: Int64) -> String {
        var error = error
        if let failures = error as? NIOConnectionError, let first = failures.connectionErrors.first?.error {
            error = first
        } else if let failures = error as? NIOConnectionError, let dns = failures.dnsAAAAError ?? failures.dnsAError {
            error = dns
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if case ChannelError.connectTimeout = error { return "no answer within \(timeoutMs) ms" }
        return "\(error)"
    }

    private func negotiate(timeoutMs: Int64) async throws(SpoolClientError) -> [Int16: ClosedRange<Int16>] {
        var response = try await send(
            ApiVersionsRequest(clientSoftwareName: "spool-client", clientSoftwareVersion: "0.1"),
            as: ApiVersionsResponse.self, version: 3, timeoutMs: timeoutMs)
        if response.errorCode == KafkaErrorCode.unsupportedVersion.rawValue {
            response = try await send(
                ApiVersionsRequest(), as: ApiVersionsResponse.self, version: 0, timeoutMs: timeoutMs)
        }
        guard response.errorCode == 0 else { throw .kafka(KafkaErrorCode(response.errorCode), "ApiVersions") }
        var versions: [Int16: ClosedRange<Int16>] = [:]
        for api in response.apiKeys where api.minVersion <= api.maxVersion {
            versions[api.apiKey] = api.minVersion...api.maxVersion
        }
        return versions
    }

    /// The highest version both this client (up to `maximum`) and the broker support.
    /// - Throws: `SpoolClientError.kafka(UNSUPPORTED_VERSION)` when the ranges do not meet.
    func version(for key: ApiKey, maximum: Int16) throws(SpoolClientError) -> Int16 {
        let ours = key.validVersions.lowerBound...min(maximum, key.validVersions.upperBound)
        guard let theirs = brokerVersions[key.rawValue], theirs.overlaps(ours) else {
            throw .kafka(.unsupportedVersion, "\(key.name) (the broker at \(address) does not support it)")
        }
        return min(ours.upperBound, theirs.upperBound)
    }

    /// Sends a request and waits for its response.
    /// - Parameters:
    ///   - request: the body.
    ///   - type: the response type.
    ///   - version: the API version to use.
    ///   - timeoutMs: how long to wait for the response.
    /// - Throws: `SpoolClientError` for a lost connection, a timeout or an undecodable response.
    func send<Request: KafkaRequestMessage, Response: KafkaResponseMessage>(
        _ request: Request, as type: Response.Type, version: Int16, timeoutMs: Int64
    ) async throws(SpoolClientError) -> Response {
        let frame = try await roundTrip(request, version: version, expectsResponse: true, timeoutMs: timeoutMs)
        do {
            return try KafkaCodec.decodeResponse(frame, as: type, version: version).body
        } catch {
            throw .protocolViolation("\(Request.apiKey.name) v\(version) response from \(address): \(error)")
        }
    }

    /// Sends a request that gets no response (Produce with acks=0); returns once it is written.
    /// - Throws: `SpoolClientError` for a lost connection or an unencodable request.
    func sendWithoutResponse<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, timeoutMs: Int64
    ) async throws(SpoolClientError) {
        _ = try await roundTrip(request, version: version, expectsResponse: false, timeoutMs: timeoutMs)
    }

    /// Writes a request now and returns what waits for its response. Requests started one after another
    /// from one task go on the wire in that order, which is what lets a producer pipeline several batches
    /// of one partition: the broker appends them in the order it reads them.
    /// - Parameters:
    ///   - request: the body.
    ///   - type: the response type.
    ///   - version: the API version to use.
    ///   - timeoutMs: how long to wait for the response.
    /// - Throws: `SpoolClientError.invalidArgument` when the request cannot be encoded.
    func start<Request: KafkaRequestMessage, Response: KafkaResponseMessage>(
        _ request: Request, as type: Response.Type, version: Int16, timeoutMs: Int64
    ) throws(SpoolClientError) -> PendingResponse<Response> {
        let future = try write(request, version: version, expectsResponse: true, timeoutMs: timeoutMs)
        return PendingResponse(
            future: future, version: version, what: "\(Request.apiKey.name) v\(version) response from \(address)",
            address: address)
    }

    private func roundTrip<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, expectsResponse: Bool, timeoutMs: Int64
    ) async throws(SpoolClientError) -> ByteBuffer {
        let future = try write(request, version: version, expectsResponse: expectsResponse, timeoutMs: timeoutMs)
        return try await Self.wait(for: future, address: address)
    }

    /// The response frame of a written request, with the connection's errors as `SpoolClientError`.
    static func wait(for future: EventLoopFuture<ByteBuffer>, address: String) async throws(SpoolClientError)
        -> ByteBuffer
    {
        do {
            return try await future.get()
        } catch let error as SpoolClientError {
            throw error
        } catch {
            throw .connectionClosed(address)
        }
    }

    /// Encodes and writes the request (in call order) with a deadline that closes the connection.
    private func write<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, expectsResponse: Bool, timeoutMs: Int64
    ) throws(SpoolClientError) -> EventLoopFuture<ByteBuffer> {
        let correlationId = correlation.withLockedValue { value -> Int32 in
            value = value == Int32.max ? 0 : value + 1
            return value
        }
        var frame = channel.allocator.buffer(capacity: 256)
        do {
            try KafkaCodec.encodeRequest(
                request, version: version, correlationId: correlationId, clientId: clientId, into: &frame)
        } catch {
            throw .invalidArgument("cannot encode \(Request.apiKey.name) v\(version): \(error)")
        }
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let pending = PendingRequest(
            frame: frame, correlationId: correlationId, expectsResponse: expectsResponse, promise: promise)
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(timeoutMs)) { [channel] in
            promise.fail(
                SpoolClientError.timedOut("\(Request.apiKey.name) to \(self.address)", milliseconds: timeoutMs))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(pending).whenFailure { [address] _ in
            promise.fail(SpoolClientError.connectionClosed(address))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return promise.futureResult
    }

    /// Closes the connection; requests still waiting fail with `connectionClosed`.
    func close() {
        channel.close(promise: nil)
    }
}

/// A request on the wire whose response has not been read yet (see `BrokerConnection.start`).
struct PendingResponse<Response: KafkaResponseMessage>: Sendable {
    let future: EventLoopFuture<ByteBuffer>
    let version: Int16
    let what: String
    let address: String

    /// Waits for the response and decodes it.
    /// - Throws: `SpoolClientError` for a lost connection, a timeout or an undecodable response.
    func get() async throws(SpoolClientError) -> Response {
        let frame = try await BrokerConnection.wait(for: future, address: address)
        do {
            return try KafkaCodec.decodeResponse(frame, as: Response.self, version: version).body
        } catch {
            throw .protocolViolation("\(what): \(error)")
        }
    }
}

/// How long connections and requests may take.
struct ClientTimeouts: Sendable {
    var connectMs: Int64
    var requestMs: Int64
}

/// A request on its way out, with the promise its response completes.
struct PendingRequest {
    var frame: ByteBuffer
    var correlationId: Int32
    var expectsResponse: Bool
    var promise: EventLoopPromise<ByteBuffer>
}

/// Cuts the inbound byte stream into response frames (size prefix removed), never half a frame.
struct ResponseFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try KafkaFraming.readFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }
}

/// Matches response frames to waiting requests by correlation id (the first four bytes of every
/// response header); fails every waiting request when the connection goes. Event-loop confined.
final class ResponseDispatcher: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private let address: String
    private var waiting: [Int32: EventLoopPromise<ByteBuffer>] = [:]

    init(address: String) { self.address = address }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if request.expectsResponse {
            waiting[request.correlationId] = request.promise
            context.write(wrapOutboundOut(request.frame), promise: promise)
        } else {
            let answered = request.promise
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in
                switch result {
                case .success: answered.succeed(ByteBuffer())
                case .failure(let error): answered.fail(error)
                }
            }
            promise.map { written.futureResult.cascade(to: $0) }
            context.write(wrapOutboundOut(request.frame), promise: written)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let correlationId = frame.getInteger(at: frame.readerIndex, as: Int32.self),
            let promise = waiting.removeValue(forKey: correlationId)
        else {
            // An answer nobody waits for means the stream is out of step: nothing after it can be trusted.
            context.close(promise: nil)
            return
        }
        promise.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll()
        context.close(promise: nil)
    }

    private func failAll() {
        let promises = waiting.values
        waiting.removeAll()
        for promise in promises { promise.fail(SpoolClientError.connectionClosed(address)) }
    }
}
