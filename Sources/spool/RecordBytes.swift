import ArgumentParser
import Foundation
import NIOCore
import SpoolClient

/// How a key or value is written on the command line's side: as its bytes, or as base64 or hex text (for bytes
/// that are not text, or that contain the record delimiter). Records are bytes; nothing here changes them.
enum ByteEncoding: String, ExpressibleByArgument, CaseIterable, Sendable {
    case raw, base64, hex

    /// The record bytes that `text` (one field of one input record) stands for.
    /// - Throws: `CLIFailure` naming the field when it is not valid base64 or hex.
    func decode(_ text: ArraySlice<UInt8>, field: String) throws -> [UInt8] {
        switch self {
        case .raw:
            return Array(text)
        case .base64:
            guard let data = Data(base64Encoded: Data(text)) else {
                throw CLIFailure("the \(field) \"\(String(decoding: text.prefix(40), as: UTF8.self))\" is not base64")
            }
            return Array(data)
        case .hex:
            guard text.count % 2 == 0 else { throw CLIFailure("the \(field) has an odd number of hex digits") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.count / 2)
            var index = text.startIndex
            while index < text.endIndex {
                guard let high = Self.hexValue(text[index]), let low = Self.hexValue(text[index + 1]) else {
                    throw CLIFailure("the \(field) \"\(String(decoding: text.prefix(40), as: UTF8.self))\" is not hex")
                }
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        }
    }

    /// `bytes` as this encoding writes them.
    func encode<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        switch self {
        case .raw: return Array(bytes)
        case .base64: return Array(Data(bytes).base64EncodedString().utf8)
        case .hex:
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count * 2)
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0f)])
            }
            return out
        }
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A delimiter or format given on the command line, with kcat's escapes: `\n`, `\r`, `\t`, `\0`, `\\`.
func unescaped(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var escaping = false
    for byte in text.utf8 {
        if escaping {
            switch byte {
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "0"): out.append(0x00)
            default: out.append(byte)
            }
            escaping = false
        } else if byte == UInt8(ascii: "\\") {
            escaping = true
        } else {
            out.append(byte)
        }
    }
    if escaping { out.append(UInt8(ascii: "\\")) }
    return out
}

/// How `spool consume` writes each record: its value and a newline (text), one JSON object (json), or a kcat-style
/// format string (`%t %p %o %T %k %v %h %K %S`, `%%`, with `\n`-style escapes). `spool queue consume` adds
/// the delivery count: `%d`, and `delivery_count` in JSON.
enum RecordFormat: Sendable {
    case text
    case json
    case pattern([UInt8])

    init(_ argument: String) {
        switch argument {
        case "text": self = .text
        case "json": self = .json
        default: self = .pattern(unescaped(argument))
        }
    }

    /// The bytes written for `record`.
    func render(_ record: ConsumerRecord, key keyEncoding: ByteEncoding, value valueEncoding: ByteEncoding,
                delimiter: [UInt8], deliveryCount: Int16? = nil) -> [UInt8]
    {
        switch self {
        case .text:
            return valueEncoding.encode(record.value?.readableBytesView ?? ByteBuffer().readableBytesView) + delimiter
        case .json:
            var json = JSONRecord(record, key: keyEncoding, value: valueEncoding)
            json.delivery_count = deliveryCount
            return json.encoded() + [0x0a]
        case .pattern(let pattern):
            return Self.render(pattern, record, keyEncoding, valueEncoding, deliveryCount)
        }
    }

    private static func render(_ pattern: [UInt8], _ record: ConsumerRecord, _ keyEncoding: ByteEncoding,
                               _ valueEncoding: ByteEncoding, _ deliveryCount: Int16?) -> [UInt8]
    {
        var out: [UInt8] = []
        var index = 0
        while index < pattern.count {
            let byte = pattern[index]
            guard byte == UInt8(ascii: "%"), index + 1 < pattern.count else {
                out.append(byte)
                index += 1
                continue
            }
            index += 2
            switch pattern[index - 1] {
            case UInt8(ascii: "t"): out += Array(record.topic.utf8)
            case UInt8(ascii: "p"): out += Array(String(record.partition).utf8)
            case UInt8(ascii: "o"): out += Array(String(record.offset).utf8)
            case UInt8(ascii: "T"): out += Array(String(record.timestamp).utf8)
            case UInt8(ascii: "k"): out += record.key.map { keyEncoding.encode($0.readableBytesView) } ?? []
            case UInt8(ascii: "v"): out += record.value.map { valueEncoding.encode($0.readableBytesView) } ?? []
            case UInt8(ascii: "K"): out += Array(String(record.key?.readableBytes ?? -1).utf8)
            case UInt8(ascii: "S"): out += Array(String(record.value?.readableBytes ?? -1).utf8)
            case UInt8(ascii: "h"):
                let headers = record.headers.map { header in
                    Array(header.key.utf8) + [UInt8(ascii: "=")]
                        + (header.value.map { valueEncoding.encode($0.readableBytesView) } ?? [])
                }
                out += Array(headers.joined(separator: [UInt8(ascii: ",")]))
            case UInt8(ascii: "%"): out.append(UInt8(ascii: "%"))
            case UInt8(ascii: "d") where deliveryCount != nil: out += Array(String(deliveryCount ?? 0).utf8)
            default: out += pattern[(index - 2)..<index]
            }
        }
        return out
    }
}

/// One record as JSON. A key, value or header value is text when it is valid UTF-8 and no encoding was asked
/// for; otherwise it is base64 (or the encoding asked for) and the object says so (`value_encoding`), so that
/// no byte is ever lost or replaced.
struct JSONRecord: Encodable {
    struct Header: Encodable {
        var key: String
        var value: String?
        var value_encoding: String?
    }

    var topic: String
    var partition: Int32
    var offset: Int64
    var timestamp: Int64
    var key: String?
    var key_encoding: String?
    var value: String?
    var value_encoding: String?
    var headers: [Header]
    /// Share groups only: how many times the record has been delivered.
    var delivery_count: Int16?

    init(_ record: ConsumerRecord, key keyEncoding: ByteEncoding, value valueEncoding: ByteEncoding) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        timestamp = record.timestamp
        (key, key_encoding) = Self.field(record.key, keyEncoding)
        (value, value_encoding) = Self.field(record.value, valueEncoding)
        headers = record.headers.map { header in
            let (value, encoding) = Self.field(header.value, valueEncoding)
            return Header(key: header.key, value: value, value_encoding: encoding)
        }
    }

    /// The field's text and, when it is not the bytes as UTF-8 text, the encoding used.
    private static func field(_ buffer: ByteBuffer?, _ encoding: ByteEncoding) -> (String?, String?) {
        guard let buffer else { return (nil, nil) }
        let bytes = Array(buffer.readableBytesView)
        if encoding == .raw, let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        let chosen: ByteEncoding = encoding == .raw ? .base64 : encoding
        return (String(decoding: chosen.encode(bytes), as: UTF8.self), chosen.rawValue)
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map(Array.init) ?? Array("{}".utf8)
    }
}

/// Standard output as bytes, buffered, written with write(2). A closed pipe (`spool consume t | head -2`) is
/// reported as `OutputClosed` so that the command stops instead of writing into nothing forever.
/// Not thread-safe: one command's task uses it.
final class StandardOutput {
    /// The reader of standard output went away.
    struct OutputClosed: Error {}

    private var buffer: [UInt8] = []

    init() {
        // Without this a write to a closed pipe kills the process with SIGPIPE before it can commit offsets.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Buffers `bytes`, writing once 64 KiB have gathered.
    func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Whether standard output is a pipe or socket whose reader has closed it (poll reports an error or hang-up).
    var readerHasGone: Bool {
        var descriptor = pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, 0) == 1 else { return false }
        return descriptor.revents & Int16(POLLERR | POLLHUP) != 0
    }

    /// Writes what is buffered.
    /// - Throws: `OutputClosed` when the reader has gone (EPIPE).
    func flush() throws {
        var written = 0
        while written < buffer.count {
            let result = buffer[written...].withUnsafeBytes { Foundation.write(1, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                buffer.removeAll()
                throw OutputClosed()
            }
            written += result
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
