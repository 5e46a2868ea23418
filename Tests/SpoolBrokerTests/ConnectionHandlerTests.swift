import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SpoolLog
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// What the test handler has seen, and the gates its requests wait on; shared with the test. Thread-safe.
final class RequestLatches: Sendable {
    private struct State {
        var open: Set<String> = []
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
        var events: [String] = []
    }

    private let state = NIOLockedValueBox(State())

    /// What happened, in order: "start:KEY", "done:KEY", "cancelled:KEY".
    var events: [String] { state.withLockedValue { $0.events } }

    func record(_ event: String) { state.withLockedValue { $0.events.append(event) } }

    /// Returns once `release(key)` was called.
    func wait(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let released = state.withLockedValue { state -> Bool in
                if state.open.contains(key) { return true }
                state.waiters[key, default: []].append(continuation)
                return false
            }
            if released { continuation.resume() }
        }
    }

    func release(_ key: String) {
        let waiters = state.withLockedValue { state in
            state.open.insert(key)
            return state.waiters.removeValue(forKey: key) ?? []
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A Heartbeat handler the test drives: each request (its group id is its key) lets the next one start, waits
/// until the test releases it, then answers with its key as the reply's bytes; the key "sleep" sleeps until cancelled.
struct LatchedHandler: KafkaAPIHandler {
    static let versions: ClosedRange<Int16> = 0...4
    let latches: RequestLatches
    var replyBytes = 0

    func handle(_ request: HeartbeatRequest, context: RequestContext) async throws -> KafkaReply {
        let key = request.groupId
        latches.record("start:\(key)")
        // Like JoinGroup: what follows is not ordered, so the connection's next request may start.
        context.gate.open()
        if key == "sleep" {
            do {
                try await Task.sleep(for: .seconds(600))
            } catch {
                latches.record("cancelled:\(key)")
                throw error
            }
        }
        await latches.wait(key)
        latches.record("done:\(key)")
        var reply = ByteBuffer(string: key)
        reply.writeRepeatingByte(0, count: replyBytes)
        return .frame(reply)
    }
}

/// Holds the connection's writes as a slow socket would: written bytes reach the channel at once, but their
/// write promises (what tells the connection the bytes are sent) complete only when the test says so.
final class HeldWrites: Sendable {
    private let promises = NIOLockedValueBox<[EventLoopPromise<Void>]>([])

    func hold(_ promise: EventLoopPromise<Void>?) {
        guard let promise else { return }
        promises.withLockedValue { $0.append(promise) }
    }

    func completeAll() {
        for promise in promises.withLockedValue({ promises in defer { promises = [] }; return promises }) {
            promise.succeed()
        }
    }
}

final class HoldingWritesHandler: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData
    let held: HeldWrites

    init(held: HeldWrites) { self.held = held }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        held.hold(promise)
        context.write(data, promise: nil)
    }
}

/// A `KafkaConnectionHandler` on an in-memory channel, answering Heartbeat through a registry holding
/// `LatchedHandler`.
struct TestConnection {
    let channel: NIOAsyncTestingChannel
    let latches = RequestLatches()
    let held = HeldWrites()

    init(maximumInFlight: Int = 8, maximumUnsentReplyBytes: Int = 1 << 20, replyBytes: Int = 0) async throws {
        var registry = APIRegistry()
        registry.register(LatchedHandler(latches: latches, replyBytes: replyBytes))
        registry.registerApiVersions()
        let dispatcher = RequestDispatcher(registry: registry)
        let limits = ConnectionLimits(
            maximumInFlight: maximumInFlight, maximumUnsentReplyBytes: maximumUnsentReplyBytes,
            idleTimeout: .seconds(600), frameTimeout: .seconds(600))
        let held = self.held
        channel = try await NIOAsyncTestingChannel { channel in
            let receiver = KafkaFrameReceiver(
                maximumFrameBytes: 1 << 20, connectionLimitBytes: 1 << 20,
                pool: RequestMemoryPool(capacityBytes: 1 << 20))
            try channel.pipeline.syncOperations.addHandlers([
                HoldingWritesHandler(held: held), receiver,
                KafkaConnectionHandler(
                    dispatcher: dispatcher, session: ConnectionSession(remote: "test"), receiver: receiver,
                    limits: limits, unsent: UnsentReplyBytes(), logger: Logger(label: "spool-test")),
            ])
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9092)).get()
    }

    /// Sends one Heartbeat request whose key is `key`.
    func send(_ key: String) async throws {
        var frame = ByteBufferAllocator().buffer(capacity: 64)
        try KafkaCodec.encodeRequest(
            HeartbeatRequest(groupId: key), version: 0, correlationId: 1, clientId: "test", into: &frame)
        try await channel.writeInbound(frame)
    }

    /// Runs the event loop until `condition` holds (request tasks complete on other threads), or fails.
    func settle(until condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        for _ in 0..<2_000 {
            await channel.testingEventLoop.run()
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("condition never held", sourceLocation: sourceLocation)
    }

    /// The replies written so far, as their keys.
    func writtenKeys() async throws -> [String] {
        var keys: [String] = []
        while let data = try await channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { continue }
            keys.append(String(buffer.readableBytesView.prefix { $0 != 0 }.map { Character(UnicodeScalar($0)) }))
        }
        return keys
    }

    /// The keys of the requests that reached the handler with `event` ("start", "done"), in order.
    func keys(_ event: String) -> [String] {
        latches.events.filter { $0.hasPrefix(event + ":") }.map { String($0.dropFirst(event.count + 1)) }
    }

    /// Lets the request tasks and the event loop run a while: for checking that something does not happen.
    func idle() async throws {
        try await Task.sleep(for: .milliseconds(50))
        await channel.testingEventLoop.run()
    }
}

@Suite struct ConnectionHandlerTests {
    @Test("replies are written in request order even when a later request finishes first")
    func repliesInRequestOrder() async throws {
        let connection = try await TestConnection()
        for key in ["a", "b", "c"] { try await connection.send(key) }
        try await connection.settle { connection.keys("start") == ["a", "b", "c"] }
        connection.latches.release("c")
        connection.latches.release("b")
        try await connection.settle { Set(connection.keys("done")) == ["b", "c"] }
        // b and c are answered, a is not: nothing may be written yet.
        try await connection.idle()
        #expect(try await connection.writtenKeys() == [])
        connection.latches.release("a")
        var written: [String] = []
        try await connection.settle {
            written += try await connection.writtenKeys()
            return written.count == 3
        }
        #expect(written == ["a", "b", "c"])
        try await connection.channel.close()
    }

    @Test("with max.in.flight requests outstanding the next is held back until a reply is written")
    func maximumInFlight() async throws {
        let connection = try await TestConnection(maximumInFlight: 2)
        for key in ["a", "b", "c"] { try await connection.send(key) }
        try await connection.settle { connection.keys("start") == ["a", "b"] }
        try await connection.idle()
        #expect(connection.keys("start") == ["a", "b"])
        connection.latches.release("a")
        try await connection.settle { connection.keys("start") == ["a", "b", "c"] }
        #expect(try await connection.writtenKeys() == ["a"])
        try await connection.channel.close()
    }

    @Test("unsent reply bytes over socket.send.buffer.high.bytes hold back the next request until written")
    func unsentReplyBytes() async throws {
        let connection = try await TestConnection(maximumUnsentReplyBytes: 100, replyBytes: 200)
        connection.latches.release("a")
        connection.latches.release("b")
        try await connection.send("a")
        var written: [String] = []
        try await connection.settle {
            written += try await connection.writtenKeys()
            return written == ["a"]
        }
        // a's 200 bytes are handed to the socket but not sent: b waits.
        try await connection.send("b")
        try await connection.idle()
        #expect(connection.keys("start") == ["a"])
        connection.held.completeAll()
        try await connection.settle { connection.keys("done") == ["a", "b"] }
        try await connection.channel.close()
    }

    @Test("closing the connection cancels its requests still being handled")
    func closeCancelsRequests() async throws {
        let connection = try await TestConnection()
        try await connection.send("sleep")
        try await connection.settle { connection.keys("start") == ["sleep"] }
        try await connection.channel.close()
        try await connection.settle { connection.latches.events.contains("cancelled:sleep") }
    }
}
