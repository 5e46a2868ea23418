import NIOCore
import SpoolProtocol

/// Splits the byte stream into Kafka frames (size prefix removed), never consuming half a frame.
/// A negative or oversized size fails the channel before any body byte is buffered for it.
/// Not thread-safe: one per channel, used on its event loop.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The largest frame body accepted (`socket.request.max.bytes`).
    let maximumFrameSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try KafkaFraming.readFrame(from: &buffer, maximumFrameSize: maximumFrameSize) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer,
                             seenEOF: Bool) throws -> DecodingState
    {
        // A partial frame left at EOF is dropped with the connection.
        try decode(context: context, buffer: &buffer)
    }
}
