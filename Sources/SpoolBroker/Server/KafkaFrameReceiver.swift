import NIOCore
import SpoolProtocol

/// A request frame as received: its body (size prefix removed) and the bytes it holds in the request memory
/// pool until the request has been handled.
struct ReceivedFrame {
    var body: ByteBuffer
    let reservedBytes: Int
}

/// Splits one connection's bytes into Kafka frames, reserving each frame's announced size in the broker-wide
/// `RequestMemoryPool` and against the connection's own limit when its size prefix arrives, before any body
/// byte is buffered. The body goes into a buffer of exactly that size, so memory never grows past what is
/// reserved. While a reservation waits for memory, or `KafkaConnectionHandler` takes no more frames
/// (`pauseFrames`), the handler swallows `read` (the connection is muted) and keeps only the bytes of the read
/// that was already under way, unsplit; the frame deadline does not run meanwhile.
///
/// Not `ByteToMessageDecoder`: that grows one shared buffer as bytes come, cannot hold bytes back while the
/// budget is short, and decodes only when more bytes arrive, which a client waiting for its answer never sends.
///
/// A negative or oversized size, and a frame cut off by the close, fail the channel (one log line, written by
/// `KafkaConnectionHandler`). Not thread-safe: one per channel, used on its event loop.
final class KafkaFrameReceiver: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ReceivedFrame
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// A frame this small is admitted past the broker-wide budget when its connection holds nothing else
    /// (README.md counts it per connection in the memory bound).
    static let smallFrameBytes = 64 * 1024

    private let maximumFrameBytes: Int
    private let connectionLimitBytes: Int
    private let pool: RequestMemoryPool
    private var context: ChannelHandlerContext?
    /// Called by the pool (on any thread) when it has reserved a waiting frame's bytes; made once per channel.
    private var granted: (@Sendable (Int) -> Void)?
    /// Whether the waiting frame waits for the pool (which grants it) rather than for the connection's limit.
    private var waitingForPool = false
    /// Size prefix bytes seen so far of the next frame (0 to 3), big-endian.
    private var sizeBytesSeen = 0
    private var sizeValue: UInt32 = 0
    /// The frame being received, with capacity for its whole body, and that body's size.
    private var body: ByteBuffer?
    private var bodySize = 0
    /// The size of a frame whose reservation waits for memory; the connection is muted meanwhile.
    private var awaitingSize: Int?
    /// Bytes that arrived (from a read already under way) after the connection was muted.
    private var backlog = ByteBuffer()
    private var readBlocked = false
    /// Set while the connection handler takes no more frames.
    private var paused = false
    /// Set while the backlog is being split, which a frame passed on may cause to be asked for again.
    private var draining = false
    private var finished = false
    /// Bytes this connection holds reserved: its partial frame plus frames not yet handled.
    private(set) var reservedBytes = 0
    /// When the frame now being received began (its first byte, or its reservation after a wait for memory);
    /// nil between frames and while waiting for memory.
    private(set) var frameStartedAt: NIODeadline?

    init(maximumFrameBytes: Int, connectionLimitBytes: Int, pool: RequestMemoryPool) {
        self.maximumFrameBytes = maximumFrameBytes
        self.connectionLimitBytes = connectionLimitBytes
        self.pool = pool
    }

    /// Bytes received of the unfinished frame and its announced size, for the log line when it times out.
    var unfinishedFrame: (received: Int, size: Int) {
        (body?.readableBytes ?? sizeBytesSeen, awaitingSize ?? (body == nil ? 4 : bodySize))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let receiver = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        granted = { bytes in loop.execute { receiver.value.reservationGranted(bytes) } }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
        granted = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var input = Self.unwrapInboundIn(data)
        if !isHeldBack && backlog.readableBytes == 0 { receiveOrFail(&input, context: context) }
        // What is left waits, copied once: the receive buffer goes back to the channel's pool.
        if input.readableBytes > 0 && !finished { backlog.writeBuffer(&input) }
    }

    private var isHeldBack: Bool { awaitingSize != nil || paused }

    private func receiveOrFail(_ input: inout ByteBuffer, context: ChannelHandlerContext) {
        do {
            try receive(&input, context: context)
        } catch {
            finished = true
            context.fireErrorCaught(error)
        }
    }

    /// Stops passing frames on (the bytes stay unsplit) and stops reading, until `resumeFrames`.
    func pauseFrames() {
        paused = true
        frameStartedAt = nil
    }

    /// Passes frames on again, first those in the bytes held back, and reads again once they are done.
    func resumeFrames() {
        guard paused else { return }
        paused = false
        drainBacklog()
    }

    func read(context: ChannelHandlerContext) {
        if isHeldBack {
            readBlocked = true
            return
        }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let cutOff = !finished && (sizeBytesSeen > 0 || body != nil || awaitingSize != nil)
        let (received, size) = unfinishedFrame
        finish()
        // A partial frame left at the close is dropped with the connection, but as an error, so that the lost
        // request gets its log line like any other bad input.
        if cutOff {
            context.fireErrorCaught(KafkaProtocolError.truncated(
                "request frame at connection close", needed: size + 4, available: received + 4))
        }
        context.fireChannelInactive()
    }

    /// Gives back a handled frame's reservation (or part of one) and lets a waiting frame try again.
    func release(_ bytes: Int) {
        reservedBytes -= bytes
        pool.release(bytes)
        if awaitingSize != nil { retryReservation() }
    }

    /// Splits `input` into frames, passing each on as it completes; stops, leaving the rest in `input`, when a
    /// frame's reservation must wait or the connection handler paused.
    private func receive(_ input: inout ByteBuffer, context: ChannelHandlerContext) throws {
        while !finished {
            if paused { return }
            if body == nil {
                guard let size = try readSize(from: &input) else { break }
                guard reserve(size) else {
                    awaitingSize = size
                    frameStartedAt = nil
                    return
                }
                startBody(size: size, context: context)
            }
            if var chunk = input.readSlice(length: min(bodySize - (body?.readableBytes ?? 0), input.readableBytes)) {
                body?.writeBuffer(&chunk)
            }
            guard let complete = body, complete.readableBytes == bodySize else { break }
            body = nil
            frameStartedAt = nil
            context.fireChannelRead(Self.wrapInboundOut(ReceivedFrame(body: complete, reservedBytes: bodySize)))
        }
        if !finished && frameStartedAt == nil && (sizeBytesSeen > 0 || body != nil) { frameStartedAt = .now() }
    }

    /// Reads the size prefix, which may come a byte at a time; nil until all four bytes are there.
    /// - Throws: `KafkaProtocolError.frameTooLarge` for a negative size or one over `socket.request.max.bytes`.
    private func readSize(from input: inout ByteBuffer) throws -> Int? {
        if sizeBytesSeen == 0, let whole = input.readInteger(as: UInt32.self) {
            sizeValue = whole
        } else {
            while sizeBytesSeen < 4, let byte = input.readInteger(as: UInt8.self) {
                sizeValue = sizeValue << 8 | UInt32(byte)
                sizeBytesSeen += 1
            }
            guard sizeBytesSeen == 4 else { return nil }
        }
        sizeBytesSeen = 0
        let size = Int(Int32(bitPattern: sizeValue))
        guard size >= 0, size <= maximumFrameBytes else {
            // A TLS record header (handshake, version 3.x) read as a size: a client configured for SSL.
            if sizeValue >> 16 == 0x1603 {
                throw ConnectionError(
                    description: "a TLS handshake arrived on a listener without TLS: the client uses "
                        + "security.protocol SSL or SASL_SSL; point it at an SSL or SASL_SSL listener, or use "
                        + "PLAINTEXT or SASL_PLAINTEXT")
            }
            throw KafkaProtocolError.frameTooLarge(size: size, limit: maximumFrameBytes)
        }
        return size
    }

    /// Reserves `size` bytes: within the connection's limit (a lone frame may exceed it) and the pool's, which a
    /// small frame on a connection holding nothing else may pass.
    private func reserve(_ size: Int) -> Bool {
        waitingForPool = false
        guard reservedBytes == 0 || reservedBytes + size <= connectionLimitBytes else { return false }
        guard let granted else { return false }
        let force = reservedBytes == 0 && size <= Self.smallFrameBytes
        let reserved = pool.reserve(size, force: force, waiter: ObjectIdentifier(self), granted: granted)
        waitingForPool = !reserved
        if reserved { reservedBytes += size }
        return reserved
    }

    private func startBody(size: Int, context: ChannelHandlerContext) {
        body = context.channel.allocator.buffer(capacity: size)
        bodySize = size
    }

    /// Tries a reservation that waits for the connection's own limit again; on success goes on receiving.
    private func retryReservation() {
        guard let size = awaitingSize, !finished, !waitingForPool, reserve(size) else { return }
        startWaitingFrame(size: size)
    }

    /// The pool reserved the waiting frame's bytes: goes on receiving, or gives them back if closed meanwhile.
    private func reservationGranted(_ bytes: Int) {
        guard let size = awaitingSize, size == bytes, waitingForPool, !finished else {
            pool.release(bytes)
            return
        }
        waitingForPool = false
        reservedBytes += size
        startWaitingFrame(size: size)
    }

    private func startWaitingFrame(size: Int) {
        awaitingSize = nil
        if let context { startBody(size: size, context: context) }
        drainBacklog()
    }

    /// Receives the bytes held back, in place (no copy however often it is paused), then reads again unless
    /// held back anew.
    private func drainBacklog() {
        guard let context, !finished, !isHeldBack, !draining else { return }
        draining = true
        receiveOrFail(&backlog, context: context)
        draining = false
        if backlog.readableBytes == 0 { backlog = ByteBuffer() }
        if !isHeldBack && !finished && readBlocked {
            readBlocked = false
            context.read()
        }
    }

    /// Drops the partial frame and gives back its reservation; frames already passed on are released by
    /// their handler.
    private func finish() {
        guard !finished || body != nil || awaitingSize != nil else { return }
        finished = true
        pool.cancelWait(ObjectIdentifier(self))
        if body != nil {
            body = nil
            release(bodySize)
        }
        awaitingSize = nil
        backlog = ByteBuffer()
        frameStartedAt = nil
    }
}
