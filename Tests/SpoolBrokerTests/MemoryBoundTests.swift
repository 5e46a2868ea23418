import Dispatch
import Foundation
import NIOCore
import SpoolProtocol
import Testing

/// What hostile clients can make the real broker process hold, measured as its resident memory: replies a
/// client never reads, request frames it never finishes, frames trickled a byte at a time, and all of them at
/// once against the bound that README.md states. Small settings keep each test to a few seconds.
@Suite(.serialized) struct MemoryBoundTests {
    /// Requests in one pipelined burst: far more than the broker should ever hold answers for.
    static let pipelinedRequests = 1_000_000

    @Test("a client pipelining Metadata and never reading costs at most its send buffer and in-flight answers")
    func unreadReplies() async throws {
        let broker = try await RunningBroker(extraArguments: ["--set", "socket.send.buffer.high.bytes=65536"])
        let replyBytes = try metadataReplyBytes(port: broker.port)
        let before = try residentBytes(broker)
        let client = try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(3))
        // Sends for three seconds (or until every request is sent) and reads nothing.
        client.send(try pipelinedMetadata(count: Self.pipelinedRequests))
        try await Task.sleep(for: .milliseconds(500))
        let grown = try residentBytes(broker) - before
        // The connection's limit (64 KiB), the answers of 64 requests already in flight, and allocator slack;
        // without the limit the broker grows by about 90 MiB here.
        let allowed = 65536 + 64 * replyBytes + Self.allocatorSlackBytes
        print("unread replies: broker grew \(grown >> 10) KiB (reply \(replyBytes) bytes)")
        #expect(grown < allowed, "grew \(grown >> 20) MiB; allowed \(allowed >> 20) MiB")
        // Another client is served meanwhile.
        let other = try BlockingKafkaConnection(port: broker.port)
        _ = try other.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        #expect(try await broker.stop() == 0)
    }

    @Test("twelve unfinished 8 MiB frames hold at most queued.max.request.bytes; the broker mutes the rest")
    func unfinishedFrames() async throws {
        let frameBytes = 8 << 20
        let broker = try await RunningBroker(extraArguments: [
            "--set", "socket.request.max.bytes=\(frameBytes)", "--set", "queued.max.request.bytes=\(16 << 20)",
            "--set", "request.receive.timeout.ms=3000",
        ])
        let before = try residentBytes(broker)
        let holders = try (0..<12).map { _ in
            try BlockingKafkaConnection(port: broker.port, readTimeout: .milliseconds(1500))
        }
        // Each sends all of an 8 MiB frame but its last byte, at once.
        let unfinished = bigEndian(Int32(frameBytes)) + [UInt8](repeating: 7, count: frameBytes - 1)
        parallel(holders) { $0.send(unfinished) }
        try await Task.sleep(for: .milliseconds(500))
        let grown = try residentBytes(broker) - before
        // The broker-wide budget (16 MiB) and, per connection, the bytes that arrived after it stopped reading,
        // plus allocator slack; without the budget the twelve frames take 96 MiB.
        let allowed = (16 << 20) + 12 * Self.perConnectionBytes + Self.allocatorSlackBytes
        print("unfinished frames: broker grew \(grown >> 10) KiB")
        #expect(grown < allowed, "grew \(grown >> 20) MiB; allowed \(allowed >> 20) MiB")
        // A well-behaved client is served meanwhile, well before the unfinished frames' deadline: a small frame
        // on a connection that holds nothing else passes the spent budget.
        let client = try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(1))
        _ = try client.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        #expect(try await broker.stop() == 0)
    }

    @Test("bytes trickled into a frame do not keep a connection: idleness counts requests, frames have a deadline")
    func slowloris() async throws {
        // At most four connections, all taken by clients trickling one byte every 100 ms into a frame.
        for setting in ["connections.max.idle.ms=1000", "request.receive.timeout.ms=1000"] {
            let broker = try await RunningBroker(extraArguments: ["--set", "max.connections=4", "--set", setting])
            let trickling = try (0..<4).map { _ in try BlockingKafkaConnection(port: broker.port) }
            let started = ContinuousClock.now
            var open = trickling.count
            for connection in trickling { connection.send(bigEndian(Int32(100))) }
            while open > 0 && ContinuousClock.now - started < .seconds(6) {
                try await Task.sleep(for: .milliseconds(100))
                open = trickling.filter { $0.sendProbe([0]) }.count
            }
            #expect(open == 0, "\(setting): \(open) trickling connections still open after 6 s")
            print("slowloris \(setting): \(open) open after \(ContinuousClock.now - started)")
            // Once they are gone a well-behaved client gets in and is served.
            let client = try BlockingKafkaConnection(port: broker.port)
            _ = try client.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
            let ports = trickling.map { ":\($0.localPort)" }
            let closes = broker.process.stderr.split(separator: "\n").filter { line in
                line.contains("closing") && ports.contains { line.contains($0) }
            }
            #expect(closes.count == trickling.count, "one log line per closed connection:\n\(closes)")
            #expect(try await broker.stop() == 0)
        }
    }

    @Test("all attacks at once stay under the memory bound README.md states, and a good client is served")
    func memoryBound() async throws {
        let settings = [
            "max.connections": 40, "socket.request.max.bytes": 4 << 20, "queued.max.request.bytes": 8 << 20,
            "queued.max.request.bytes.per.connection": 4 << 20, "socket.send.buffer.high.bytes": 65536,
            "max.in.flight.requests.per.connection": 64, "request.receive.timeout.ms": 4000,
        ]
        let broker = try await RunningBroker(extraArguments: settings.flatMap { ["--set", "\($0.key)=\($0.value)"] })
        let replyBytes = try metadataReplyBytes(port: broker.port)
        // README.md's bound for these settings, plus allocator slack.
        let bound = max(settings["queued.max.request.bytes"]!, settings["socket.request.max.bytes"]!)
            + settings["max.connections"]! * (settings["socket.send.buffer.high.bytes"]! + Self.perConnectionBytes)
            + settings["max.connections"]! * settings["max.in.flight.requests.per.connection"]! * replyBytes
        let client = try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(10))
        let before = try residentBytes(broker)
        // 30 clients each send all but the last byte of a 4 MiB frame; 8 pipeline Metadata and never read (more
        // would only keep a debug build's event loops busy with answers the kernel buffers, without more memory).
        let holders = try (0..<30).map { _ in
            try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(2))
        }
        let readers = try (0..<8).map { _ in try BlockingKafkaConnection(port: broker.port, readTimeout: .seconds(3)) }
        let unfinished = bigEndian(Int32(4 << 20)) + [UInt8](repeating: 7, count: (4 << 20) - 1)
        let requests = try pipelinedMetadata(count: Self.pipelinedRequests)
        let attack = DispatchGroup()
        let attackers = UncheckedBox((holders, readers))
        DispatchQueue.global().async(group: attack) {
            parallel(attackers.value.0) { $0.send(unfinished) }
        }
        DispatchQueue.global().async(group: attack) {
            parallel(attackers.value.1) { $0.send(requests) }
        }
        var peak = 0
        while attack.wait(timeout: .now()) == .timedOut {
            peak = max(peak, try residentBytes(broker) - before)
            try await Task.sleep(for: .milliseconds(50))
        }
        peak = max(peak, try residentBytes(broker) - before)
        let slack = Self.allocatorSlackBytes
        #expect(peak < bound + slack, "grew \(peak >> 20) MiB; bound \(bound >> 20) MiB + \(slack >> 20) MiB slack")
        // A well-behaved client, connected before the attack (the last free connection), is served meanwhile.
        _ = try client.roundTrip(ApiVersionsRequest(), version: 0, as: ApiVersionsResponse.self)
        print("memory bound: peak growth \(peak >> 10) KiB, bound \(bound >> 10) KiB (+ \(slack >> 10) KiB slack)")
        #expect(try await broker.stop() == 0)
    }

    /// Bytes one connection may have read past the point where it stopped reading: one read cycle of the
    /// event loop (4 reads of up to 64 KiB) plus the pooled receive buffer, as README.md counts them.
    static let receiveSlackBytes = 5 * 64 << 10
    /// What README.md counts per connection besides unsent replies: the read-ahead, one small frame admitted past
    /// the budget (64 KiB), and 16 KiB of NIO's own state.
    /// What glibc's arenas and the event loops' buffers may add to resident memory without holding client data.
    static let allocatorSlackBytes = 16 << 20
    static let perConnectionBytes = receiveSlackBytes + 64 << 10 + 16 << 10

    /// The size of the answer to one of `pipelinedMetadata`'s requests.
    private func metadataReplyBytes(port: Int) throws -> Int {
        let connection = try BlockingKafkaConnection(port: port)
        connection.send(try pipelinedMetadata(count: 1))
        guard case .frame(let reply) = try connection.readFrame() else {
            throw BlockingKafkaConnection.Failure(description: "no Metadata answer")
        }
        return reply.readableBytes + 4
    }
}

/// `count` Metadata v1 requests for no topic (cheap to answer, so the broker answers many), back to back.
func pipelinedMetadata(count: Int) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try KafkaCodec.encodeRequest(
        MetadataRequest(topics: []), version: 1, correlationId: 1, clientId: "never-reads", into: &buffer)
    let one = Array(buffer.readableBytesView)
    var bytes = one
    while bytes.count < one.count * count { bytes += bytes }  // doubling: fast even in a debug build
    return Array(bytes.prefix(one.count * count))
}

/// The broker process's resident memory (VmRSS), in bytes.
func residentBytes(_ broker: RunningBroker) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(broker.process.processIdentifier)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kibibytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { throw BlockingKafkaConnection.Failure(description: "no VmRSS in /proc status") }
    return kibibytes << 10
}

/// Runs `body` on each connection at once, on threads of their own (the sends block), and waits for all.
func parallel(_ connections: [BlockingKafkaConnection], _ body: @escaping (BlockingKafkaConnection) -> Void) {
    let group = DispatchGroup()
    for connection in connections {
        let work = UncheckedBox((connection, body))
        DispatchQueue.global().async(group: group) { work.value.1(work.value.0) }
    }
    group.wait()
}

/// Carries test-only values that are used by one thread at a time across a `@Sendable` boundary.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
