import NIOCore

// Unsafe cursors for the record hot paths. Both check every access against their bound, so a sizing bug or
// a hostile length fails (a trap for the writer, whose sizes are computed, and nil for the reader, whose
// input is untrusted) instead of touching memory outside the buffer.

/// Writes a record's fields into free buffer space sized beforehand by `Record.bodySize`; each write checks
/// the bound, so a sizing bug traps instead of corrupting memory. Varints are zigzag-encoded; for values that
/// fit 32 bits the 64-bit zigzag encoding equals Kafka's 32-bit one.
struct RawRecordWriter {
    private let raw: UnsafeMutableRawBufferPointer
    private(set) var position = 0

    init(_ raw: UnsafeMutableRawBufferPointer) { self.raw = raw }

    mutating func putByte(_ byte: UInt8) {
        precondition(position < raw.count, "record write past its computed size")
        raw[position] = byte
        position += 1
    }

    mutating func putVarlong(_ value: Int64) {
        var remaining = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while remaining >= 0x80 {
            putByte(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        putByte(UInt8(truncatingIfNeeded: remaining))
    }

    mutating func putBytes(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= raw.count - position, "record write past its computed size")
        guard let source = bytes.baseAddress, let destination = raw.baseAddress else { return }
        (destination + position).copyMemory(from: source, byteCount: bytes.count)
        position += bytes.count
    }

    /// A varint length (-1 for nil) and the bytes.
    mutating func putField(_ field: ByteBuffer?) {
        guard let field else {
            putVarlong(-1)
            return
        }
        putVarlong(Int64(field.readableBytes))
        field.withUnsafeReadableBytes { putBytes($0) }
    }

    /// A varint length and the UTF-8 bytes.
    mutating func putString(_ string: String) {
        var text = string
        text.withUTF8 { utf8 in
            putVarlong(Int64(utf8.count))
            putBytes(UnsafeRawBufferPointer(utf8))
        }
    }
}

/// Reads a record's fixed fields from raw bytes up to `limit`; every read returns nil past the limit.
/// Its reads are forced inline: the optimizer left them as calls, and a call per field was most of the cost of
/// walking a batch on the produce path.
struct RawRecordReader {
    private let raw: UnsafeRawBufferPointer
    private(set) var position: Int
    let limit: Int

    init(_ raw: UnsafeRawBufferPointer, position: Int = 0, limit: Int) {
        self.raw = raw
        self.position = position
        self.limit = min(limit, raw.count)
    }

    @inline(__always)
    mutating func byte() -> UInt8? {
        guard position < limit else { return nil }
        defer { position += 1 }
        return raw[position]
    }

    /// An unsigned LEB128 value of at most `maxBytes` bytes.
    @inline(__always)
    mutating func unsignedVarint(maxBytes: Int) -> UInt64? {
        // One bound for the whole value rather than an optional per byte: this runs for every record field.
        let end = min(limit, position + maxBytes)
        var index = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < end {
            let byte = raw[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                position = index
                return result
            }
            shift += 7
        }
        return nil
    }

    /// A zigzag varint that must fit 32 bits (5 bytes at most), as Kafka's record fields use.
    @inline(__always)
    mutating func varint() -> Int32? {
        // Most record fields (attributes aside) are one-byte varints: small deltas, short keys, header counts.
        if position < limit, raw[position] < 0x80 {
            let bits = Int32(raw[position])
            position += 1
            return (bits >> 1) ^ -(bits & 1)
        }
        guard let bits = unsignedVarint(maxBytes: 5), bits <= UInt64(UInt32.max) else { return nil }
        let raw = UInt32(truncatingIfNeeded: bits)
        return Int32(bitPattern: raw >> 1) ^ -Int32(bitPattern: raw & 1)
    }

    /// A zigzag varlong (10 bytes at most).
    @inline(__always)
    mutating func varlong() -> Int64? {
        guard let bits = unsignedVarint(maxBytes: 10) else { return nil }
        return Int64(bitPattern: bits >> 1) ^ -Int64(bitPattern: bits & 1)
    }

    /// Skips a length-prefixed field (-1 for null) and returns where it starts and its length (-1 for null).
    @inline(__always)
    mutating func field() -> (start: Int, length: Int)? {
        guard let length = varint(), length >= -1 else { return nil }
        if length == -1 { return (position, -1) }
        guard Int(length) <= limit - position else { return nil }
        defer { position += Int(length) }
        return (position, Int(length))
    }
}
