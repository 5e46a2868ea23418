import CCRC32C
import NIOCore

/// CRC32C (Castagnoli), the checksum of Kafka's v2 record batches.
///
/// Uses the CPU's SSE4.2 `crc32` instruction when present (three interleaved streams on long
/// inputs) and a portable slicing-by-8 table otherwise. Stateless and thread-safe.
public enum CRC32C {
    /// Whether the hardware path is in use on this CPU.
    public static var isHardwareAccelerated: Bool { spool_crc32c_hardware_available() != 0 }

    /// The CRC32C of `bytes`, continuing from `crc` (0 to start a new checksum).
    /// - Parameters:
    ///   - bytes: the bytes to checksum.
    ///   - crc: a previous result to continue from.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return spool_crc32c(crc, base, bytes.count)
    }

    /// The CRC32C of `bytes` by the portable path, whatever the CPU (for tests and benchmarks).
    /// - Parameters:
    ///   - bytes: the bytes to checksum.
    ///   - crc: a previous result to continue from.
    public static func portableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return spool_crc32c_portable(crc, base, bytes.count)
    }

    /// The CRC32C of a byte sequence.
    /// - Parameter bytes: the bytes to checksum.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }
}

extension ByteBuffer {
    /// The CRC32C of `length` readable bytes starting at `index`, or `nil` if they are not all readable.
    /// Does not move the reader index.
    /// - Parameters:
    ///   - index: where the checksummed range starts.
    ///   - length: how many bytes it covers.
    public func crc32c(at index: Int, length: Int) -> UInt32? {
        guard length >= 0, index >= self.readerIndex, index <= self.writerIndex - length else { return nil }
        return self.withUnsafeReadableBytes { raw in
            let start = index - self.readerIndex
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
        }
    }
}
