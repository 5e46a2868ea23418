/// Writes families in the Prometheus text exposition format (version 0.0.4): a `# HELP` and a `# TYPE` line,
/// then one line per series. Label values are escaped (backslash, double quote, newline), since group ids are
/// free text.
///
/// Not thread-safe: one value per scrape.
struct MetricsText {
    enum Kind: String {
        case gauge, counter
    }

    private(set) var text = ""

    init(reservingCapacity capacity: Int = 0) {
        text.reserveCapacity(capacity)
    }

    /// Appends the HELP and TYPE lines of a family; its series follow with `series`.
    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// Appends one series.
    mutating func series(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int64) {
        text += name
        if !labels.isEmpty {
            text += "{"
            var first = true
            for (key, labelValue) in labels {
                if !first { text += "," }
                first = false
                text += key
                text += "=\""
                Self.appendEscaped(labelValue, to: &text)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += String(value)
        text += "\n"
    }

    /// Appends one series with a floating-point value.
    mutating func series(_ name: String, _ value: Double) {
        text += "\(name) \(value)\n"
    }

    /// Appends text another writer produced (the registry's families).
    mutating func append(_ other: String) {
        text += other
    }

    private static func appendEscaped(_ value: String, to text: inout String) {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == 10 })
        else {
            text += value
            return
        }
        for character in value.unicodeScalars {
            switch character {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            default: text.unicodeScalars.append(character)
            }
        }
    }
}
