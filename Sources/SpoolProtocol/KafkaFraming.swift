import NIOCore

/// Kafka's size-prefixed frames as plain functions: every request and response on the wire is an int32
/// byte count followed by that many bytes. No I/O happens here; a channel handler feeds bytes in and
/// writes the results out. Stateless and thread-safe.
public enum KafkaFraming {
    /// The largest frame accepted unless configured otherwise: 100 MiB (Kafka's socket.request.max.bytes).
    public static let defaultMaximumFrameSize = 100 * 1024 * 1024

    /// The size of the frame body that starts at the reader index, looking ahead without consuming.
    /// - Parameters:
    ///   - buffer: bytes received so far.
    ///   - maximumFrameSize: the largest body allowed.
    /// - Returns: the body size once the whole frame is buffered, or `nil` while more bytes are needed.
    /// - Throws: `KafkaProtocolError.frameTooLarge` for a negative or oversized size, as soon as the four
    ///   size bytes arrive and before any body byte is buffered or allocated for.
    @inlinable
    public static func frameBodySize(
        in buffer: ByteBuffer, maximumFrameSize: Int = defaultMaximumFrameSize
    ) throws(KafkaProtocolError) -> Int? {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return nil
        }
        guard size >= 0, Int(size) <= maximumFrameSize else {
            throw .frameTooLarge(size: Int(size), limit: maximumFrameSize)
        }
        return buffer.readableBytes - 4 >= Int(size) ? Int(size) : nil
    }

    /// Takes one whole frame's body off the front of `buffer`, as a slice sharing its storage.
    /// Never consumes half a frame: when the frame is incomplete the buffer is left as it was.
    /// - Parameters:
    ///   - buffer: bytes received so far.
    ///   - maximumFrameSize: the largest body allowed.
    /// - Returns: the body, or `nil` while more bytes are needed.
    /// - Throws: `KafkaProtocolError.frameTooLarge` for a negative or oversized size.
    @inlinable
    public static func readFrame(
        from buffer: inout ByteBuffer, maximumFrameSize: Int = defaultMaximumFrameSize
    ) throws(KafkaProtocolError) -> ByteBuffer? {
        guard let size = try frameBodySize(in: buffer, maximumFrameSize: maximumFrameSize) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: size)
    }

    /// Writes a frame: a size prefix, then whatever `body` writes, with the size filled in afterwards.
    /// - Parameters:
    ///   - buffer: where to write.
    ///   - body: writes the frame's contents.
    /// - Throws: whatever `body` throws (the buffer is then left with a partial frame), or
    ///   `KafkaProtocolError.valueTooLong` past 2 GiB.
    @inlinable
    public static func writeFrame(
        into buffer: inout ByteBuffer, _ body: (inout ByteBuffer) throws(KafkaProtocolError) -> Void
    ) throws(KafkaProtocolError) {
        let sizeIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        try body(&buffer)
        let size = buffer.writerIndex - sizeIndex - 4
        guard size <= Int(Int32.max) else { throw .valueTooLong("frame", length: size) }
        buffer.setInteger(Int32(size), at: sizeIndex, endianness: .big)
    }
}
