import CLZ4
import CSnappy
import CZlib
import CZstd
import NIOCore

// The per-library calls behind RecordCompression. Each checks the library's own error reporting and
// never trusts a size read from the input without comparing it to the configured maximum.

extension RecordCompression {
    /// The xerial snappy-java stream header the Java client writes: magic, then version 1 and compat 1.
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]

    /// zlib's windowBits for a gzip wrapper around a 32 KiB window.
    static let gzipWindowBits: Int32 = 15 + 16

    static func gzipCompress(_ input: ByteBuffer) throws(CompressionError) -> ByteBuffer {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = deflateInit2_(
            stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw CompressionError(codec: .gzip, detail: "deflateInit2 failed (\(status))") }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, UInt(input.readableBytes)))
        return try oneShot(input, capacity: bound, codec: .gzip) { source, destination in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = destination.bindMemory(to: Bytef.self).baseAddress
            stream.pointee.avail_out = uInt(destination.count)
            guard deflate(stream, Z_FINISH) == Z_STREAM_END else { return nil }
            return destination.count - Int(stream.pointee.avail_out)
        }
    }

    static func gzipDecompress(_ input: ByteBuffer, maximumSize: Int) throws(CompressionError) -> ByteBuffer {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let status = inflateInit2_(stream, gzipWindowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw CompressionError(codec: .gzip, detail: "inflateInit2 failed (\(status))") }
        defer { inflateEnd(stream) }
        return try self.stream(input, codec: .gzip, maximumSize: maximumSize) { source, destination in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(source.count)
            stream.pointee.next_out = destination.bindMemory(to: Bytef.self).baseAddress
            stream.pointee.avail_out = uInt(destination.count)
            let result = inflate(stream, Z_NO_FLUSH)
            guard result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR else { return nil }
            return (
                source.count - Int(stream.pointee.avail_in), destination.count - Int(stream.pointee.avail_out),
                result == Z_STREAM_END
            )
        }
    }

    static func snappyCompress(_ input: ByteBuffer) throws(CompressionError) -> ByteBuffer {
        let bound = snappy_max_compressed_length(input.readableBytes)
        return try oneShot(input, capacity: bound, codec: .snappy) { source, destination in
            var length = destination.count
            let status = snappy_compress(
                source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count,
                destination.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            return status == SNAPPY_OK ? length : nil
        }
    }

    static func snappyDecompress(_ input: ByteBuffer, maximumSize: Int) throws(CompressionError) -> ByteBuffer {
        guard input.readableBytesView.starts(with: xerialMagic) else {
            return try snappyRawDecompress(input, maximumSize: maximumSize)
        }
        // Xerial framing: 16-byte header, then blocks of (int32 compressed length, raw snappy block).
        var framed = input
        framed.moveReaderIndex(forwardBy: min(16, framed.readableBytes))
        var output = ByteBuffer()
        while framed.readableBytes > 0 {
            guard let length = framed.readInteger(as: Int32.self), length >= 0,
                let block = framed.readSlice(length: Int(length))
            else { throw CompressionError(codec: .snappy, detail: "truncated xerial block") }
            var decoded = try snappyRawDecompress(block, maximumSize: maximumSize - output.readableBytes)
            output.writeBuffer(&decoded)
        }
        return output
    }

    static func snappyRawDecompress(_ input: ByteBuffer, maximumSize: Int) throws(CompressionError) -> ByteBuffer {
        var expected = 0
        let known = input.withUnsafeReadableBytes { source in
            snappy_uncompressed_length(source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count, &expected)
        }
        guard known == SNAPPY_OK else { throw CompressionError(codec: .snappy, detail: "corrupt length") }
        guard expected <= maximumSize else {
            throw CompressionError(
                codec: .snappy, detail: "output of \(expected) bytes exceeds \(maximumSize)", exceedsLimit: true)
        }
        return try oneShot(input, capacity: expected, codec: .snappy) { source, destination in
            var length = destination.count
            let status = snappy_uncompress(
                source.baseAddress?.assumingMemoryBound(to: CChar.self), source.count,
                destination.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            return status == SNAPPY_OK ? length : nil
        }
    }

    static func lz4Compress(_ input: ByteBuffer) throws(CompressionError) -> ByteBuffer {
        // Independent 64 KiB blocks and no content size: what Kafka's KafkaLZ4BlockInputStream accepts.
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        let bound = LZ4F_compressFrameBound(input.readableBytes, &preferences)
        return try oneShot(input, capacity: bound, codec: .lz4) { source, destination in
            let written = LZ4F_compressFrame(
                destination.baseAddress, destination.count, source.baseAddress, source.count, &preferences)
            return LZ4F_isError(written) != 0 ? nil : written
        }
    }

    static func lz4Decompress(_ input: ByteBuffer, maximumSize: Int) throws(CompressionError) -> ByteBuffer {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            throw CompressionError(codec: .lz4, detail: "cannot create a decompression context")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        return try stream(input, codec: .lz4, maximumSize: maximumSize) { source, destination in
            var produced = destination.count
            var consumed = source.count
            let hint = LZ4F_decompress(
                context, destination.baseAddress, &produced, source.baseAddress, &consumed, nil)
            if LZ4F_isError(hint) != 0 { return nil }
            return (consumed, produced, hint == 0)
        }
    }

    static func zstdCompress(_ input: ByteBuffer) throws(CompressionError) -> ByteBuffer {
        let bound = ZSTD_compressBound(input.readableBytes)
        return try oneShot(input, capacity: bound, codec: .zstd) { source, destination in
            let written = ZSTD_compress(destination.baseAddress, destination.count, source.baseAddress, source.count, 3)
            return ZSTD_isError(written) != 0 ? nil : written
        }
    }

    static func zstdDecompress(_ input: ByteBuffer, maximumSize: Int) throws(CompressionError) -> ByteBuffer {
        guard let context = ZSTD_createDStream() else {
            throw CompressionError(codec: .zstd, detail: "cannot create a decompression stream")
        }
        defer { ZSTD_freeDStream(context) }
        ZSTD_initDStream(context)
        return try stream(input, codec: .zstd, maximumSize: maximumSize) { source, destination in
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            var outBuffer = ZSTD_outBuffer(dst: destination.baseAddress, size: destination.count, pos: 0)
            let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(hint) != 0 { return nil }
            return (inBuffer.pos, outBuffer.pos, hint == 0)
        }
    }
}

extension RecordBatch {
    /// The records of a batch, decompressed first when its attributes name a codec.
    /// - Parameter maximumSize: the largest decompressed records section allowed.
    /// - Throws: `CompressionError` for a corrupt or oversized compressed section, or `RecordBatchError`
    ///   for an unknown codec.
    public func decompressedRecordReader(maximumSize: Int = RecordCompression.defaultMaximumSize) throws -> RecordReader
    {
        guard let codec = CompressionCodec(rawValue: compressionCodec) else {
            throw RecordBatchError.unsupportedCompression(compressionCodec)
        }
        let records = try RecordCompression.decompress(recordsSection, codec: codec, maximumSize: maximumSize)
        return RecordReader(records: records, count: Int(recordsCount))
    }
}

extension RecordBatchBuilder {
    /// The finished batch with its records compressed by `codec`.
    /// - Parameter codec: the codec.
    /// - Throws: `CompressionError` if the library fails.
    public func build(compression codec: CompressionCodec) throws(CompressionError) -> ByteBuffer {
        guard codec != .none else { return build() }
        let compressed = try RecordCompression.compress(uncompressedRecords, codec: codec)
        return build(codec: codec.rawValue, compressedRecords: compressed)
    }
}
