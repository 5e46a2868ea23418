import CLZ4
import CSnappy
import CZstd
import NIOCore

/// Kafka's record-batch compression codecs (attributes bits 0-2).
public enum CompressionCodec: Int, Sendable, CaseIterable {
    /// No compression.
    case none = 0
    /// gzip (one member), through zlib.
    case gzip = 1
    /// Raw snappy as librdkafka writes it; xerial-framed snappy (the Java client's) is also read.
    case snappy = 2
    /// The LZ4 frame format with independent 64 KiB blocks, as Kafka's Java client reads it.
    case lz4 = 3
    /// A zstd frame.
    case zstd = 4
}

/// Why a records section could not be compressed or decompressed.
public struct CompressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The codec involved.
    public let codec: CompressionCodec
    /// What went wrong.
    public let detail: String
    /// Whether the input was refused for decompressing to more than the allowed size (rather than being corrupt).
    public let exceedsLimit: Bool

    /// Makes an error.
    /// - Parameters:
    ///   - codec: the codec involved.
    ///   - detail: what went wrong.
    ///   - exceedsLimit: whether the output would exceed the allowed size.
    public init(codec: CompressionCodec, detail: String, exceedsLimit: Bool = false) {
        self.codec = codec
        self.detail = detail
        self.exceedsLimit = exceedsLimit
    }

    public var description: String { "\(codec) compression: \(detail)" }
}

/// Compresses and decompresses the records section of a batch, for the client side: the broker stores
/// compressed batches untouched. All codecs come from well-kept libraries (zlib, snappy, liblz4, libzstd).
/// Stateless and thread-safe.
public enum RecordCompression {
    /// The default cap on a decompressed records section, against decompression bombs.
    public static let defaultMaximumSize = 64 * 1024 * 1024

    /// Compresses `input`'s readable bytes.
    /// - Parameters:
    ///   - input: the uncompressed records.
    ///   - codec: the codec.
    /// - Throws: `CompressionError` if the library fails.
    public static func compress(_ input: ByteBuffer, codec: CompressionCodec) throws(CompressionError) -> ByteBuffer {
        switch codec {
        case .none: return input
        case .gzip: return try gzipCompress(input)
        case .snappy: return try snappyCompress(input)
        case .lz4: return try lz4Compress(input)
        case .zstd: return try zstdCompress(input)
        }
    }

    /// Decompresses `input`'s readable bytes.
    /// - Parameters:
    ///   - input: the compressed records.
    ///   - codec: the codec the batch's attributes name.
    ///   - maximumSize: the largest output allowed.
    /// - Throws: `CompressionError` for corrupt input or output larger than `maximumSize`.
    public static func decompress(
        _ input: ByteBuffer, codec: CompressionCodec, maximumSize: Int = defaultMaximumSize
    ) throws(CompressionError) -> ByteBuffer {
        switch codec {
        case .none: return input
        case .gzip: return try gzipDecompress(input, maximumSize: maximumSize)
        case .snappy: return try snappyDecompress(input, maximumSize: maximumSize)
        case .lz4: return try lz4Decompress(input, maximumSize: maximumSize)
        case .zstd: return try zstdDecompress(input, maximumSize: maximumSize)
        }
    }

    /// Runs a one-shot codec call: `body` gets the input and an output region of at least `capacity`
    /// bytes and returns how many bytes it wrote, or nil on failure.
    static func oneShot(
        _ input: ByteBuffer, capacity: Int, codec: CompressionCodec,
        _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int?
    ) throws(CompressionError) -> ByteBuffer {
        var output = ByteBuffer()
        var failed = false
        _ = input.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: max(capacity, 1)) { destination in
                guard let written = body(source, destination) else {
                    failed = true
                    return 0
                }
                return written
            }
        }
        if failed { throw CompressionError(codec: codec, detail: "the library reported an error") }
        return output
    }

    /// Runs a streaming decoder: `step` gets the unread input and a free output region, and returns
    /// (bytes consumed, bytes produced, finished). Output grows as needed up to `maximumSize`.
    static func stream(
        _ input: ByteBuffer, codec: CompressionCodec, maximumSize: Int,
        _ step: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> (consumed: Int, produced: Int, done: Bool)?
    ) throws(CompressionError) -> ByteBuffer {
        var output = ByteBuffer()
        var chunk = min(max(input.readableBytes * 4, 4096), maximumSize + 1)
        var offset = 0
        var finished = false
        var stalls = 0
        while !finished {
            if output.readableBytes > maximumSize {
                throw CompressionError(codec: codec, detail: "output exceeds \(maximumSize) bytes", exceedsLimit: true)
            }
            var failure = false
            var consumedNow = 0
            var producedNow = 0
            input.withUnsafeReadableBytes { source in
                let unread = UnsafeRawBufferPointer(rebasing: source[offset...])
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { destination in
                    guard let result = step(unread, destination) else {
                        failure = true
                        return 0
                    }
                    consumedNow = result.consumed
                    producedNow = result.produced
                    finished = result.done
                    return result.produced
                }
            }
            if failure { throw CompressionError(codec: codec, detail: "corrupt input") }
            offset += consumedNow
            // No progress with all input consumed means a truncated frame; allow a few stalls otherwise,
            // since the next round offers a larger output region.
            stalls = consumedNow == 0 && producedNow == 0 ? stalls + 1 : 0
            if !finished, stalls > 0, offset >= input.readableBytes || stalls > 3 {
                throw CompressionError(codec: codec, detail: "input ends before the end of the frame")
            }
            chunk = min(chunk * 2, 4 * 1024 * 1024)
        }
        if output.readableBytes > maximumSize {
            throw CompressionError(codec: codec, detail: "output exceeds \(maximumSize) bytes", exceedsLimit: true)
        }
        return output
    }
}
