import Logging
import NIOCore
import SpoolLog

/// Answers the requests of one connection: each frame goes to the router as its own task, several may be
/// in flight, and the replies are written strictly in request order (Kafka's rule). Reading pauses while
/// `maximumInFlight` requests are outstanding. A request the router refuses (malformed header, unknown
/// API) closes the connection with one log line.
///
/// Not thread-safe: one per channel; every method runs on the channel's event loop.
final class KafkaConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = IOData

    private let router: RequestRouter
    private let maximumInFlight: Int
    private let logger: Logger
    private var nextSequence = 0
    private var nextToWrite = 0
    private var ready: [Int: KafkaReply] = [:]
    private var readsPaused = false
    /// The gate of the latest request: the next request waits on it before its ordered part.
    private var lastGate: RequestGate?
    private var closing = false
    /// The client's address, kept from the start: once the peer has gone the channel no longer knows it.
    private var remote = "unknown"

    init(router: RequestRouter, maximumInFlight: Int, logger: Logger) {
        self.router = router
        self.maximumInFlight = maximumInFlight
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        remote = context.remoteAddress?.description ?? "unknown"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let frame = Self.unwrapInboundIn(data)
        let sequence = nextSequence
        nextSequence += 1
        if nextSequence - nextToWrite >= maximumInFlight && !readsPaused {
            readsPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
        let router = self.router
        let remote = self.remote
        let previous = lastGate
        let gate = RequestGate()
        lastGate = gate
        let promise = context.eventLoop.makePromise(of: KafkaReply.self)
        promise.completeWithTask {
            await previous?.wait()
            defer { gate.open() }
            return try await router.handle(frame: frame, remote: remote, gate: gate)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { result in
            let (handler, context) = bound.value
            handler.complete(sequence: sequence, result: result, context: context)
        }
    }

    private func complete(sequence: Int, result: Result<KafkaReply, any Error>, context: ChannelHandlerContext) {
        guard !closing else { return }
        switch result {
        case .success(let reply):
            ready[sequence] = reply
            writeReadyReplies(context: context)
        case .failure(let error):
            closing = true
            logger.warning(
                "closing connection after a bad request", metadata: ["remote": "\(remote)", "error": "\(error)"])
            context.close(promise: nil)
        }
    }

    private func writeReadyReplies(context: ChannelHandlerContext) {
        var wrote = false
        while let reply = ready.removeValue(forKey: nextToWrite) {
            nextToWrite += 1
            switch reply {
            case .none:
                continue
            case .frame(let buffer):
                context.write(Self.wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
            case .parts(let parts):
                for part in parts { write(part, context: context) }
            }
            wrote = true
        }
        if wrote { context.flush() }
        if readsPaused && nextSequence - nextToWrite < maximumInFlight {
            readsPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            context.read()
        }
    }

    /// Writes a byte piece, or a file slice as a `FileRegion` (sendfile). The region borrows the log file's
    /// descriptor: the handle gives it back instead of closing it, and the slice keeps the file open
    /// until the write is done.
    private func write(_ part: KafkaReplyPart, context: ChannelHandlerContext) {
        switch part {
        case .bytes(let buffer):
            context.write(Self.wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        case .file(let slice):
            guard slice.length > 0 else { return }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: slice.file.descriptor)
            let region = FileRegion(
                fileHandle: handle, readerIndex: slice.position, endIndex: slice.position + slice.length)
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in
                withExtendedLifetime(slice) { _ = try? handle.takeDescriptorOwnership() }
            }
            context.write(Self.wrapOutboundOut(.fileRegion(region)), promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            logger.debug("closing idle connection", metadata: ["remote": "\(remote)"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An error after the close began (bytes cut off by that very close) would be a second line for one fault.
        guard !closing else { return }
        logger.warning("closing connection", metadata: ["remote": "\(remote)", "error": "\(error)"])
        closing = true
        context.close(promise: nil)
    }
}
