import NIOCore
import SpoolProtocol

/// Splits the byte stream into Kafka frames (size prefix removed), never consuming half a frame.
/// A negative or oversized size fails the channel before any body byte is buffered for it, and so does a frame
/// cut off by the connection's close.
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
        if try decode(context: context, buffer: &buffer) == .continue { return .continue }
        // A partial frame left at the close is dropped with the connection, but as an error, so that the lost
        // request gets its log line like any other bad input.
        guard seenEOF, buffer.readableBytes > 0 else { return .needMoreData }
        let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self).map { Int($0) + 4 } ?? 4
        throw KafkaProtocolError.truncated(
            "request frame at connection close", needed: size, available: buffer.readableBytes)
    }
}
