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
    /// The broker's port; set once the broker runs (it advertises the proxy, so it starts second).
    let target = NIOLockedValueBox(0)

    init() async throws {
        let flags = (dropNextProduceResponse, dropped)
        let target = self.target
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                inbound.eventLoop.makeCompletedFuture {
                    try inbound.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameSplitter()))
                }.flatMap {
                    ClientBootstrap(group: inbound.eventLoop)
                        .channelInitializer { outbound in
                            outbound.eventLoop.makeCompletedFuture {
                                try outbound.pipeline.syncOperations.addHandlers(
                                    ByteToMessageHandler(FrameSplitter()),
                                    Relay(peer: inbound, toClient: true, flags: flags))
                            }
                        }
                        .connect(host: "127.0.0.1", port: target.withLockedValue { $0 })
                }.flatMap { outbound in
                    inbound.pipeline.addHandler(Relay(peer: outbound, toClient: false, flags: flags))
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

/// Forwards frames to the peer channel; remembers a Produce request's correlation id when a drop is armed
/// and, on the way back, closes the client's connection instead of forwarding that response.
private final class Relay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let peer: any Channel
    let toClient: Bool
    let flags: (NIOLockedValueBox<Bool>, NIOLockedValueBox<Int>)
    static let watched = NIOLockedValueBox<Int32?>(nil)

    init(peer: any Channel, toClient: Bool, flags: (NIOLockedValueBox<Bool>, NIOLockedValueBox<Int>)) {
        self.peer = peer
        self.toClient = toClient
        self.flags = flags
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
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
