import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolProtocol

/// A TCP proxy in front of a broker that can lose one Produce response: the request reaches the broker
/// (which writes the batch), then the connection to the client is closed instead of answering — the
/// classic reason a producer retries a batch that was in fact written.
final class DroppingProxy: Sendable {
    let channel: any Channel
    let dropNextProduceResponse = NIOLockedValueBox(false)
    let dropped = NIOLockedValueBox(0)
    /// Produce requests seen, over all connections.
    let producesSeen = NIOLockedValueBox(0)
    /// The broker's port; set once the broker runs (it advertises the proxy, so it starts second).
    let target = NIOLockedValueBox(0)
    /// The most Produce requests one connection had sent without their responses back.
    let mostProducesInFlight = NIOLockedValueBox(0)
    /// Produce requests (counted from 1 over all connections) whose responses are to be lost.
    let dropProduceNumbers = NIOLockedValueBox(Set<Int>())

    init() async throws {
        let flags = (dropNextProduceResponse, dropped)
        let target = self.target
        let most = mostProducesInFlight
        let dropNumbers = dropProduceNumbers
        let numbers = producesSeen
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                let produces = ProduceCounter(most: most, numbers: numbers, dropNumbers: dropNumbers)
                return inbound.eventLoop.makeCompletedFuture {
                    try inbound.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameSplitter()))
                }.flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .channelInitializer { outbound in
                            outbound.eventLoop.makeCompletedFuture {
                                try outbound.pipeline.syncOperations.addHandlers(
                                    ByteToMessageHandler(FrameSplitter()),
                                    Relay(peer: inbound, toClient: true, flags: flags, produces: produces))
                            }
                        }
                        .connect(host: "127.0.0.1", port: target.withLockedValue { $0 })
                }.flatMap { outbound in
                    inbound.pipeline.addHandler(Relay(peer: outbound, toClient: false, flags: flags, produces: produces))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    func close() async { try? await channel.close() }
}

/// Cuts a byte stream into whole frames (size prefix kept).
private struct FrameSplitter: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self),
            buffer.readableBytes >= 4 + Int(size), let frame = buffer.readSlice(length: 4 + Int(size))
        else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }
}

/// Counts one connection's Produce requests that have not been answered yet, and keeps the highest count.
/// Numbers Produce requests over all connections and says which one's response to lose.
private final class ProduceCounter: Sendable {
    let outstanding = NIOLockedValueBox(Set<Int32>())
    let most: NIOLockedValueBox<Int>
    let numbers: NIOLockedValueBox<Int>
    let dropNumbers: NIOLockedValueBox<Set<Int>>
    init(most: NIOLockedValueBox<Int>, numbers: NIOLockedValueBox<Int>, dropNumbers: NIOLockedValueBox<Set<Int>>) {
        self.most = most
        self.numbers = numbers
        self.dropNumbers = dropNumbers
    }

    /// Counts a request; true when its response is to be lost.
    func sent(_ id: Int32) -> Bool {
        let count = outstanding.withLockedValue { set in
            set.insert(id)
            return set.count
        }
        most.withLockedValue { $0 = max($0, count) }
        let number = numbers.withLockedValue { value in
            value += 1
            return value
        }
        return dropNumbers.withLockedValue { $0.remove(number) != nil }
    }

    func answered(_ id: Int32) { _ = outstanding.withLockedValue { $0.remove(id) } }
}

/// Forwards frames to the peer channel; remembers a Produce request's correlation id when a drop is armed
/// (or the request's number is one to drop)
/// and, on the way back, closes the client's connection instead of forwarding that response.
private final class Relay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let peer: any Channel
    let toClient: Bool
    let flags: (NIOLockedValueBox<Bool>, NIOLockedValueBox<Int>)
    let produces: ProduceCounter
    static let watched = NIOLockedValueBox<Int32?>(nil)

    init(
        peer: any Channel, toClient: Bool, flags: (NIOLockedValueBox<Bool>, NIOLockedValueBox<Int>),
        produces: ProduceCounter
    ) {
        self.peer = peer
        self.toClient = toClient
        self.flags = flags
        self.produces = produces
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if !toClient, frame.getInteger(at: frame.readerIndex + 4, as: Int16.self) == ApiKey.produce.rawValue,
            let id = frame.getInteger(at: frame.readerIndex + 8, as: Int32.self), produces.sent(id)
        {
            Self.watched.withLockedValue { $0 = id }
        }
        if toClient, let id = frame.getInteger(at: frame.readerIndex + 4, as: Int32.self) { produces.answered(id) }
        if !toClient, frame.getInteger(at: frame.readerIndex + 4, as: Int16.self) == ApiKey.produce.rawValue,
            flags.0.withLockedValue({ armed in
                defer { armed = false }
                return armed
            })
        {
            Self.watched.withLockedValue { $0 = frame.getInteger(at: frame.readerIndex + 8, as: Int32.self) }
        }
        if toClient, let id = frame.getInteger(at: frame.readerIndex + 4, as: Int32.self),
            Self.watched.withLockedValue({ watched in
                guard watched == id else { return false }
                watched = nil
                return true
            })
        {
            flags.1.withLockedValue { $0 += 1 }
            peer.close(promise: nil)
            context.close(promise: nil)
            return
        }
        peer.writeAndFlush(frame, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
    }
}
