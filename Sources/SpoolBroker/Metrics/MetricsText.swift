/// Writes families in the Prometheus text exposition format (version 0.0.4): a `# HELP` and a `# TYPE` line,
/// then one line per series. Label values are escaped (backslash, double quote, newline), since group ids are
/// free text. Bytes, not a `String`: a scrape of 20,000 partitions writes some 100,000 lines, and appending to a
/// byte array costs a fraction of growing a string piece by piece.
///
/// Not thread-safe: one value per scrape.
struct MetricsText {
    enum Kind: String {
        case gauge, counter
    }

    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends the HELP and TYPE lines of a family; its series follow with `series`.
    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        bytes += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n".utf8
    }

    /// A label set, `{key="value",...}` with values escaped, to write with `series(_:labels:_:)`: made once and
    /// reused when several families share the labels (a partition's offsets and size).
    static func labels(_ pairs: KeyValuePairs<String, String>) -> [UInt8] {
        var result: [UInt8] = []
        guard !pairs.isEmpty else { return result }
        result.append(UInt8(ascii: "{"))
        for (index, (key, value)) in pairs.enumerated() {
            if index > 0 { result.append(UInt8(ascii: ",")) }
            result += key.utf8
            result += "=\"".utf8
            appendEscaped(value, to: &result)
            result.append(UInt8(ascii: "\""))
        }
        result.append(UInt8(ascii: "}"))
        return result
    }

    /// Appends one series whose labels were made by `labels(_:)`.
    mutating func series(_ name: String, labels: [UInt8], _ value: Int64) {
        bytes += name.utf8
        bytes += labels
        bytes.append(UInt8(ascii: " "))
        appendInteger(value)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Appends one series.
    mutating func series(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int64) {
        series(name, labels: Self.labels(labels), value)
    }

    /// Appends one series with a floating-point value.
    mutating func series(_ name: String, _ value: Double) {
        bytes += "\(name) \(value)\n".utf8
    }

    /// Appends text another writer produced (the registry's families).
    mutating func append(_ other: [UInt8]) {
        bytes += other
    }

    /// Decimal digits without a `String` in between.
    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes += buffer[(24 - count)...]
        }
    }

    private static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes += "\\\\".utf8
            case UInt8(ascii: "\""): bytes += "\\\"".utf8
            case UInt8(ascii: "\n"): bytes += "\\n".utf8
            default: bytes.append(byte)
            }
        }
    }
}
