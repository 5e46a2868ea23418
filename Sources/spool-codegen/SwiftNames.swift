import Foundation

/// Turns Kafka's PascalCase schema names into Swift identifiers and literals.
enum SwiftNames {
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static",
        "struct", "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do",
        "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while",
        "as", "catch", "false", "is", "nil", "self", "super", "throw", "throws", "true", "try", "Type", "Any",
    ]

    /// `ThrottleTimeMs` becomes `throttleTimeMs`; a leading acronym is lowercased as a whole (`ISRNodes` →
    /// `isrNodes`), and Swift keywords are escaped with backticks.
    static func property(_ name: String) -> String {
        let characters = Array(name)
        var leadingUpper = 0
        while leadingUpper < characters.count, characters[leadingUpper].isUppercase { leadingUpper += 1 }
        var lowered = leadingUpper
        if leadingUpper > 1, leadingUpper < characters.count, characters[leadingUpper].isLowercase {
            lowered = leadingUpper - 1  // keep the capital that starts the next word
        }
        lowered = max(lowered, min(1, characters.count))
        let head = String(characters[0..<lowered]).lowercased()
        let identifier = head + String(characters[lowered...])
        return keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// The identifier without backticks, for use inside string literals.
    static func bare(_ identifier: String) -> String {
        identifier.replacingOccurrences(of: "`", with: "")
    }

    /// A Swift string literal for `text`.
    static func literal(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 {
                    escaped += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"\(escaped)\""
    }

    /// Text made safe for a `///` comment line.
    static func docText(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
    }
}

/// Accumulates indented source lines.
struct SourceWriter {
    private(set) var lines: [String] = []
    private var depth = 0

    mutating func line(_ text: String = "") {
        lines.append(text.isEmpty ? "" : String(repeating: "    ", count: depth) + text)
    }

    mutating func open(_ text: String) {
        line(text + " {")
        depth += 1
    }

    mutating func close(_ suffix: String = "") {
        depth -= 1
        line("}" + suffix)
    }

    mutating func append(_ other: [String]) {
        for text in other { line(text) }
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
