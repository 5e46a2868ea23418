#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix
import SpoolLog

/// What bounds one connection, from the broker's settings.
struct ConnectionLimits: Sendable {
    /// Requests handled at once before their replies are written (`max.in.flight.requests.per.connection`).
    var maximumInFlight: Int
    /// Reply bytes held in memory and not yet written before the connection stops taking requests
    /// (`socket.send.buffer.high.bytes`). File slices sent with sendfile are page cache, not broker memory, and
    /// do not count: a consumer's next fetch is handled while the previous reply is still being sent.
    var maximumUnsentReplyBytes: Int
    /// A connection with no request in flight is closed this long after its last request (`connections.max.idle.ms`).
    var idleTimeout: TimeAmount
    /// A frame must arrive whole within this of its first byte (`request.receive.timeout.ms`).
    var frameTimeout: TimeAmount
}

/// Answers the requests of one connection: each frame goes to the dispatcher as its own task, several may be
/// in flight, and the replies are written strictly in request order (Kafka's rule). A request the dispatcher
/// refuses (malformed header, unknown API) closes the connection with one log line.
///
/// Backpressure: a frame is handled only while fewer than `maximumInFlight` requests are outstanding and the
/// reply bytes held in memory and not yet written are under `socket.send.buffer.high.bytes` (file slices, sent
/// with sendfile, are page cache and do not count); otherwise the handler pauses the `KafkaFrameReceiver`, which
/// stops splitting frames and reading until both hold again. Each frame's
/// reservation in the request memory pool is given back once its request has been handled.
///
/// The request tasks end with the connection: they are cancelled when the channel closes, so that a long-poll
/// fetch does not outlive its client.
///
/// A watchdog closes the connection when a frame has not completed within `frameTimeout`, or when no request
/// has been handled for `idleTimeout`: bytes of an unfinished frame do not count as activity.
///
/// Not thread-safe: one per channel; every method runs on the channel's event loop.
final class KafkaConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedFrame
    typealias OutboundOut = IOData

    private let dispatcher: RequestDispatcher
    private let receiver: KafkaFrameReceiver
    private let limits: ConnectionLimits
    private let unsent: UnsentReplyBytes
    private let logger: Logger
    private var nextSequence = 0
    private var nextToWrite = 0
    private var ready: [Int: KafkaReply] = [:]
    /// Frames received but not yet handed to the dispatcher: the receiver is paused as soon as the limits are
    /// reached, so this holds at most the frame that arrived as writability was lost.
    private var waiting = CircularBuffer<ReceivedFrame>()
    /// Reply bytes this connection has handed to the channel and not yet written to the socket.
    private var unsentBytes = 0
    /// The part of `unsentBytes` held in memory (byte buffers, not file slices): what backpressure bounds.
    private var unsentMemoryBytes = 0
    private var lastRequestAt = NIODeadline.now()
    private var watchdog: Scheduled<Void>?
    /// The gate of the latest request: the next request waits on it before its ordered part.
    private var lastGate: RequestGate?
    private var closing = false
    /// The connection as its requests see it.
    private let session: ConnectionSession
    /// The requests handed to the dispatcher and not yet complete, by sequence number: cancelled on close.
    private var tasks: [Int: Task<Void, Never>] = [:]
    /// Runs this connection's Produce and Fetch tasks on its event loop (made on the first of them).
    private var loopTaskExecutor: EventLoopTaskExecutor?
    /// Whether file slices go to the socket with sendfile. A TLS connection must encrypt them, so it streams each
    /// slice instead: read `Self.streamedChunkBytes` at a time on the I/O threads, the next chunk read only once
    /// the previous one is written, so a connection holds one chunk of file data at a time.
    private let sendsFiles: Bool
    /// Parts waiting behind a slice being streamed (TLS connections only), with their write promises.
    private var queuedParts = CircularBuffer<(KafkaReplyPart, EventLoopPromise<Void>?)>()
    /// Whether a file slice is being streamed now (TLS connections only).
    private var streaming = false
    /// Bytes of a file slice a TLS connection reads into memory at a time.
    static let streamedChunkBytes = 128 * 1024

    init(dispatcher: RequestDispatcher, session: ConnectionSession, receiver: KafkaFrameReceiver,
         limits: ConnectionLimits, unsent: UnsentReplyBytes, logger: Logger, sendsFiles: Bool = true)
    {
        self.sendsFiles = sendsFiles
        self.dispatcher = dispatcher
        self.session = session
        self.receiver = receiver
        self.limits = limits
        self.unsent = unsent
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        scheduleWatchdog(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closing = true
        watchdog?.cancel()
        watchdog = nil
        while let (_, promise) = queuedParts.popFirst() { promise?.fail(ChannelError.ioOnClosedChannel) }
        while let frame = waiting.popFirst() { receiver.release(frame.reservedBytes) }
        cancelTasks()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Nothing can be written any more: a cancelled request's failure must not log as a bad request.
        closing = true
        cancelTasks()
        context.fireChannelInactive()
    }

    /// Cancels every request still being handled: their replies could no longer be written.
    private func cancelTasks() {
        for task in tasks.values { task.cancel() }
        tasks = [:]
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard !closing else {
            receiver.release(frame.reservedBytes)
            return
        }
        lastRequestAt = .now()
        if waiting.isEmpty && canDispatch(context: context) {
            dispatch(frame, context: context)
        } else {
            waiting.append(frame)
        }
        if !canDispatch(context: context) { receiver.pauseFrames() }
    }

    private func canDispatch(context: ChannelHandlerContext) -> Bool {
        nextSequence - nextToWrite < limits.maximumInFlight && unsentMemoryBytes < limits.maximumUnsentReplyBytes
    }

    /// Hands waiting frames to the dispatcher while the limits allow, then lets the receiver go on.
    private func resume(context: ChannelHandlerContext) {
        while !closing && canDispatch(context: context), let frame = waiting.popFirst() {
            dispatch(frame, context: context)
        }
        if !closing && waiting.isEmpty && canDispatch(context: context) { receiver.resumeFrames() }
    }

    private func dispatch(_ frame: ReceivedFrame, context: ChannelHandlerContext) {
        let sequence = nextSequence
        nextSequence += 1
        let dispatcher = self.dispatcher
        let session = self.session
        let eventLoop = context.eventLoop
        let previous = lastGate
        let gate = RequestGate(after: previous)
        lastGate = gate
        let body = frame.body
        let promise = context.eventLoop.makePromise(of: KafkaReply.self)
        // Produce and Fetch run on the connection's event loop: their work is checks and hand-offs to the I/O pool
        // (appends, reads) and to delayed operations on this loop, and a hop to the cooperative pool and back at
        // each step cost more than the work (issue 19). Other requests may do heavier work (SQLite, reads into
        // memory) and keep the cooperative pool.
        let executor: (any TaskExecutor)? = Self.runsOnLoop(body) ? loopExecutor(context.eventLoop) : nil
        // A Produce may check its partitions while the previous Produce's appends are still queued (see
        // RequestGate); everything else waits for every earlier request's effects.
        let level: RequestGate.Level = Self.apiKey(body) == 0 ? .checked : .open
        tasks[sequence] = Task(executorPreference: executor) {
            await previous?.wait(level)
            defer { gate.open() }
            do {
                promise.succeed(
                    try await dispatcher.handle(frame: body, session: session, eventLoop: eventLoop, gate: gate))
            } catch {
                promise.fail(error)
            }
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let reservedBytes = frame.reservedBytes
        promise.futureResult.whenComplete { result in
            let (handler, context) = bound.value
            handler.tasks[sequence] = nil
            handler.receiver.release(reservedBytes)
            handler.complete(sequence: sequence, result: result, context: context)
        }
    }

    /// Whether a frame is a Produce or a Fetch request (API key 0 or 1 in its first two bytes).
    private static func runsOnLoop(_ body: ByteBuffer) -> Bool {
        let key = apiKey(body)
        return key == 0 || key == 1
    }

    /// The API key in a frame's first two bytes (-1 when it is shorter).
    private static func apiKey(_ body: ByteBuffer) -> Int16 {
        body.getInteger(at: body.readerIndex, as: Int16.self) ?? -1
    }

    private func loopExecutor(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        if let loopTaskExecutor { return loopTaskExecutor }
        let created = EventLoopTaskExecutor(eventLoop: eventLoop)
        loopTaskExecutor = created
        return created
    }

    private func complete(sequence: Int, result: Result<KafkaReply, any Error>, context: ChannelHandlerContext) {
        guard !closing else { return }
        switch result {
        case .success(let reply):
            ready[sequence] = reply
            writeReadyReplies(context: context)
        case .failure(let error):
            closing = true
            dispatcher.refusals.closed(session, reason: "\(error)")
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
                let promise = counted(buffer.readableBytes, inMemory: buffer.readableBytes, context)
                context.write(Self.wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
            case .parts(let parts):
                let total = parts.reduce(0) { $0 + $1.byteCount }
                let inMemory = parts.reduce(0) { sum, part in
                    if case .bytes(let buffer) = part { sum + buffer.readableBytes } else { sum }
                }
                for (index, part) in parts.enumerated() {
                    let promise = index == parts.count - 1 ? counted(total, inMemory: inMemory, context) : nil
                    write(part, context: context, promise: promise)
                }
            }
            wrote = true
        }
        lastRequestAt = .now()
        if wrote { context.flush() }
        resume(context: context)
    }

    /// A write promise that keeps `bytes` counted as unsent, on the connection and broker-wide, until written;
    /// `inMemory` of them (not file slices) also hold back the next request while over the limit.
    private func counted(_ bytes: Int, inMemory: Int, _ context: ChannelHandlerContext) -> EventLoopPromise<Void> {
        unsentBytes += bytes
        unsentMemoryBytes += inMemory
        unsent.add(bytes)
        let promise = context.eventLoop.makePromise(of: Void.self)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenComplete { [unsent] _ in
            let (handler, context) = bound.value
            handler.unsentBytes -= bytes
            handler.unsentMemoryBytes -= inMemory
            unsent.remove(bytes)
            if inMemory > 0 && !handler.closing { handler.resume(context: context) }
        }
        return promise
    }

    /// Writes a byte piece, or a file slice as a `FileRegion` (sendfile). The region borrows the log file's
    /// descriptor: the handle gives it back instead of closing it, and the slice keeps the file open
    /// until the write is done.
    private func write(_ part: KafkaReplyPart, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard sendsFiles else {
            queuedParts.append((part, promise))
            if !streaming { writeQueuedParts(context: context) }
            return
        }
        switch part {
        case .bytes(let buffer):
            context.write(Self.wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
        case .file(let slice):
            guard slice.length > 0 else {
                promise?.succeed()
                return
            }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: slice.file.descriptor)
            let region = FileRegion(
                fileHandle: handle, readerIndex: slice.position, endIndex: slice.position + slice.length)
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { _ in
                withExtendedLifetime(slice) { _ = try? handle.takeDescriptorOwnership() }
            }
            written.futureResult.cascade(to: promise)
            context.write(Self.wrapOutboundOut(.fileRegion(region)), promise: written)
        }
    }

    /// Writes queued parts in order until a file slice, which is streamed before the parts after it (TLS).
    private func writeQueuedParts(context: ChannelHandlerContext) {
        while !streaming, let (part, promise) = queuedParts.popFirst() {
            switch part {
            case .bytes(let buffer):
                context.write(Self.wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
            case .file(let slice):
                streaming = true
                stream(slice, from: 0, context: context, promise: promise)
            }
        }
    }

    /// Reads the next chunk of `slice` on the I/O threads and writes it; the chunk after it is read once it is
    /// written. A read error closes the connection: the reply cannot be completed.
    private func stream(_ slice: FileSlice, from offset: Int, context: ChannelHandlerContext,
                        promise: EventLoopPromise<Void>?)
    {
        guard !closing else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let count = min(Self.streamedChunkBytes, slice.length - offset)
        guard count > 0 else {
            streaming = false
            promise?.succeed()
            writeQueuedParts(context: context)
            context.flush()
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) {
            try slice.file.read(count: count, at: slice.position + offset)
        }.whenComplete { result in
            let (handler, context) = bound.value
            switch result {
            case .success(let chunk):
                guard !handler.closing else {
                    promise?.fail(ChannelError.ioOnClosedChannel)
                    return
                }
                context.writeAndFlush(Self.wrapOutboundOut(.byteBuffer(chunk))).whenComplete { written in
                    let (handler, context) = bound.value
                    if case .failure(let error) = written {
                        promise?.fail(error)
                        return
                    }
                    handler.stream(slice, from: offset + count, context: context, promise: promise)
                }
            case .failure(let error):
                promise?.fail(error)
                handler.errorCaught(context: context, error: error)
            }
        }
    }

    private func scheduleWatchdog(context: ChannelHandlerContext) {
        // A quarter of the shorter limit: a connection is closed within 1.25 times its limit.
        let shorter = min(limits.idleTimeout, limits.frameTimeout)
        let period = TimeAmount.nanoseconds(max(shorter.nanoseconds / 4, 1_000_000))
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        watchdog = context.eventLoop.scheduleTask(in: period) {
            let (handler, context) = bound.value
            guard !handler.closing else { return }
            handler.checkLimits(context: context)
            if !handler.closing { handler.scheduleWatchdog(context: context) }
        }
    }

    /// Closes the connection, with one log line, when its frame is overdue or it has been idle too long.
    private func checkLimits(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        let unfinished = receiver.unfinishedFrame
        var metadata: Logger.Metadata = ["remote": "\(session.remote)"]
        if receiver.frameStartedAt != nil || unfinished.received > 0 {
            metadata["receivedBytes"] = "\(unfinished.received)"
            metadata["frameBytes"] = "\(unfinished.size)"
        }
        if let started = receiver.frameStartedAt, now - started >= limits.frameTimeout {
            logger.warning(
                "closing connection: a request frame did not arrive whole within request.receive.timeout.ms",
                metadata: metadata.merging(["timeoutMs": "\(limits.frameTimeout.nanoseconds / 1_000_000)"]) { $1 })
        } else if nextSequence == nextToWrite && now - lastRequestAt >= limits.idleTimeout {
            let level: Logger.Level = metadata["frameBytes"] == nil ? .debug : .warning
            logger.log(
                level: level, "closing idle connection: no request within connections.max.idle.ms",
                metadata: metadata.merging(["idleMs": "\(limits.idleTimeout.nanoseconds / 1_000_000)"]) { $1 })
        } else {
            return
        }
        closing = true
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An error after the close began (bytes cut off by that very close) would be a second line for one fault.
        guard !closing else { return }
        if Self.isDisconnect(error) {
            // A client that goes away is routine, not a fault: only worth a line when debugging.
            logger.debug("client disconnected", metadata: ["remote": "\(session.remote)", "error": "\(error)"])
        } else {
            let reason = tlsFailureReason(error, listener: session.listenerName) ?? "\(error)"
            dispatcher.refusals.closed(session, reason: reason)
        }
        closing = true
        context.close(promise: nil)
    }

    /// Whether `error` is the peer going away (reset, broken pipe, end of stream) rather than bad input.
    static func isDisconnect(_ error: any Error) -> Bool {
        if let error = error as? IOError {
            return [ECONNRESET, EPIPE, ETIMEDOUT, ECONNABORTED].contains(error.errnoCode)
        }
        switch error as? ChannelError {
        case .eof?, .ioOnClosedChannel?, .alreadyClosed?, .outputClosed?: return true
        default: return false
        }
    }
}

/// A task executor that runs jobs on one NIO event loop, so that a task preferring it runs there between its
/// awaits instead of hopping to Swift's cooperative pool and back.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
