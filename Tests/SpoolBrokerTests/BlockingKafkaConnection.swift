import Foundation
import NIOCore
import SpoolProtocol
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A blocking client on one TCP connection to 127.0.0.1, for tests that must send bytes no Kafka client would:
/// POSIX sockets, a deadline on every read, and end of stream or a reset read as `.closed`.
///
/// Not thread-safe: one test uses it at a time. Blocking calls are fine here because the broker under test is
/// another process.
final class BlockingKafkaConnection {
    /// What one read of a response frame gave.
    enum Read: Equatable {
        /// A whole response frame, size prefix removed.
        case frame(ByteBuffer)
        /// The broker closed (EOF or reset) before a whole frame arrived.
        case closed
        /// Nothing complete arrived within `readTimeout`.
        case timedOut
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The largest response frame accepted; anything claiming more is a broken answer.
    static let maximumResponseBytes = 64 << 20

    let readTimeout: Duration
    /// The client's port: the broker's log lines name it in their `remote` metadata.
    let localPort: Int
    private let socket: Int32
    private var nextCorrelationId: Int32 = 1

    init(port: Int, readTimeout: Duration = .seconds(10)) throws {
        self.readTimeout = readTimeout
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        self.socket = socket
        // Each recv and send gives up after 100 ms, so that the deadline loops below can check the time.
        var slice = timeval(tv_sec: 0, tv_usec: 100_000)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            setsockopt(socket, SOL_SOCKET, option, &slice, socklen_t(MemoryLayout<timeval>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        localPort = Int(UInt16(bigEndian: local.sin_port))
    }

    deinit {
        close(socket)
    }

    /// Sends `bytes`, stopping quietly when the broker has closed (a later read reports `.closed`).
    func send(_ bytes: [UInt8]) {
        var sent = 0
        let deadline = ContinuousClock.now + readTimeout
        while sent < bytes.count && ContinuousClock.now < deadline {
            let result = bytes[sent...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if result > 0 {
                sent += result
            } else if result < 0 && (errno == EAGAIN || errno == EINTR) {
                continue
            } else {
                return
            }
        }
    }

    /// Sends `bytes` (a trickle) and tells whether the connection is still open: false once the broker has
    /// closed it (end of stream or a reset is waiting to be read, or the send fails).
    func sendProbe(_ bytes: [UInt8]) -> Bool {
        let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent < 0 && errno != EAGAIN && errno != EINTR { return false }
        var byte: UInt8 = 0
        let peeked = recv(socket, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if peeked == 0 { return false }
        return peeked > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
    }

    /// Closes with a reset (SO_LINGER 0), as a client that crashes or is killed does: the broker reads
    /// "connection reset by peer". Nothing may be sent or read afterwards.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// Half-closes: the broker reads end of stream, and this side can still read its answer or its close.
    func shutdownWrite() {
        shutdown(socket, Int32(SHUT_WR))
    }

    /// Reads one response frame, or the close, within `readTimeout`.
    func readFrame() throws -> Read {
        let deadline = ContinuousClock.now + readTimeout
        let prefix: ByteBuffer
        switch read(exactly: 4, deadline: deadline) {
        case .frame(let bytes): prefix = bytes
        case let other: return other
        }
        let size = Int(prefix.getInteger(at: 0, as: Int32.self) ?? -1)
        guard (0...Self.maximumResponseBytes).contains(size) else {
            throw Failure(description: "a response frame claiming \(size) bytes")
        }
        return size == 0 ? .frame(ByteBuffer()) : read(exactly: size, deadline: deadline)
    }

    /// Reads exactly `count` (> 0) bytes before `deadline`.
    private func read(exactly count: Int, deadline: ContinuousClock.Instant) -> Read {
        var buffer = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while ContinuousClock.now < deadline {
            let wanted = min(chunk.count, count - buffer.readableBytes)
            let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, wanted, 0) }
            if received > 0 {
                buffer.writeBytes(chunk[0..<received])
                if buffer.readableBytes == count { return .frame(buffer) }
            } else if received == 0 || (errno != EAGAIN && errno != EINTR) {
                return .closed  // end of stream, or a reset
            }
        }
        return .timedOut
    }

    /// Sends a request and decodes its answer, which must come within `readTimeout`.
    func roundTrip<Request: KafkaRequestMessage, Response: KafkaResponseMessage>(
        _ request: Request, version: Int16, as type: Response.Type
    ) throws -> Response {
        let correlationId = nextCorrelationId
        nextCorrelationId += 1
        var buffer = ByteBuffer()
        try KafkaCodec.encodeRequest(
            request, version: version, correlationId: correlationId, clientId: "bad-input-tests", into: &buffer)
        send(Array(buffer.readableBytesView))
        guard case .frame(let reply) = try readFrame() else {
            throw Failure(description: "no answer to \(Request.apiKey.name) v\(version)")
        }
        let (header, body) = try KafkaCodec.decodeResponse(reply, as: type, version: version)
        guard header.correlationId == correlationId else {
            throw Failure(description: "answer with correlation id \(header.correlationId), not \(correlationId)")
        }
        return body
    }
}

// MARK: - Bytes

/// A legacy (magic 1, Kafka 0.10) message set holding one message, with its CRC32 (IEEE) right.
func legacyMessageSet(value: String) -> ByteBuffer {
    var message = ByteBuffer()
    message.writeInteger(Int8(1))  // magic
    message.writeInteger(Int8(0))  // attributes
    message.writeInteger(Int64(1_764_000_000_000))  // timestamp
    message.writeInteger(Int32(-1))  // null key
    message.writeInteger(Int32(value.utf8.count))
    message.writeString(value)
    var set = ByteBuffer()
    set.writeInteger(Int64(0))  // offset
    set.writeInteger(Int32(4 + message.readableBytes))  // message size
    set.writeInteger(crc32IEEE(message.readableBytesView))
    set.writeBuffer(&message)
    return set
}

func crc32IEEE<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

func bigEndian<Value: FixedWidthInteger>(_ value: Value) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

/// A whole request frame: size, a header (v2 when the version is flexible for Produce/ApiVersions, else v1)
/// with a null client id, then `body`.
func frame(apiKey: Int16, version: Int16, correlationId: Int32, body: [UInt8]) -> [UInt8] {
    let headerVersion = RequestHeader.headerVersion(apiKey: apiKey, apiVersion: version)
    var header = bigEndian(apiKey) + bigEndian(version) + bigEndian(correlationId) + bigEndian(Int16(-1))
    if headerVersion >= 2 { header.append(0) }  // no tagged fields
    return bigEndian(Int32(header.count + body.count)) + header + body
}
