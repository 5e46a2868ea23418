import ArgumentParser
import Foundation

/// How list and describe commands print: an aligned table for people, JSON for programs.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

/// An aligned text table: each column as wide as its widest cell, two spaces apart.
struct Table {
    var headers: [String]
    var rows: [[String]]

    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Prints an `Encodable` value as JSON with sorted keys (one line when `compact`).
func printJSON<Value: Encodable>(_ value: Value, compact: Bool = false) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .prettyPrinted]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}
