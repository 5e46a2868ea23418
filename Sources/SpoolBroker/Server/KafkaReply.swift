import NIOCore
import SpoolLog

/// What a request handler answers, ready for the connection to write.
enum KafkaReply: Sendable {
    /// A whole encoded response frame (size prefix included).
    case frame(ByteBuffer)
    /// A response whose record sets are file slices sent with sendfile: byte pieces and slices in order,
    /// which together make one frame (the first piece starts with the size prefix).
    case parts([KafkaReplyPart])
    /// No response at all (Produce with acks=0).
    case none
}

/// One piece of a `KafkaReply.parts` response.
enum KafkaReplyPart: Sendable {
    case bytes(ByteBuffer)
    case file(FileSlice)

    var byteCount: Int {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .file(let slice): slice.length
        }
    }
}
