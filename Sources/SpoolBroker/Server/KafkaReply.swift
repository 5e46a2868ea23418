import NIOCore
import NIOPosix
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

extension KafkaReply {
    /// The reply with its file slices read into memory, on the I/O threads (never the event loop): what a TLS
    /// connection writes, since sendfile would bypass the encryption.
    /// - Throws: `LogError` when a slice cannot be read.
    func readingFileSlices() async throws -> KafkaReply {
        guard case .parts(let parts) = self, parts.contains(where: { if case .file = $0 { true } else { false } })
        else { return self }
        var read: [KafkaReplyPart] = []
        read.reserveCapacity(parts.count)
        for part in parts {
            guard case .file(let slice) = part, slice.length > 0 else {
                if case .bytes = part { read.append(part) }
                continue
            }
            let bytes = try await NIOThreadPool.singleton.runIfActive {
                try slice.file.read(count: slice.length, at: slice.position)
            }
            read.append(.bytes(bytes))
        }
        return .parts(read)
    }
}
