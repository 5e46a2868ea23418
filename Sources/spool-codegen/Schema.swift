import Foundation

/// A failure while reading or interpreting a schema file.
struct CodegenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A version spec from a schema: "N", "N-M", "N+" or "none".
struct VersionSpec: Equatable {
    var low: Int
    var high: Int?  // nil means open-ended
    var isNone: Bool

    static let none = VersionSpec(low: 0, high: nil, isNone: true)

    init(low: Int, high: Int?, isNone: Bool = false) {
        self.low = low
        self.high = high
        self.isNone = isNone
    }

    init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "none" {
            self = .none
        } else if trimmed.hasSuffix("+"), let low = Int(trimmed.dropLast()) {
            self.init(low: low, high: nil)
        } else if let dash = trimmed.firstIndex(of: "-"),
            let low = Int(trimmed[..<dash]), let high = Int(trimmed[trimmed.index(after: dash)...])
        {
            self.init(low: low, high: high)
        } else if let single = Int(trimmed) {
            self.init(low: single, high: single)
        } else {
            throw CodegenError("bad version spec '\(text)'")
        }
    }

    func contains(_ version: Int) -> Bool {
        if isNone { return false }
        return version >= low && (high.map { version <= $0 } ?? true)
    }

    /// A Swift Bool expression over `version` that is true exactly for the versions of `valid` in this spec.
    /// Returns "true" or "false" when the answer does not depend on the version.
    func condition(within valid: ClosedRange<Int>) -> String {
        if isNone { return "false" }
        let effectiveHigh = min(high ?? valid.upperBound, valid.upperBound)
        if low > valid.upperBound || effectiveHigh < valid.lowerBound { return "false" }
        var parts: [String] = []
        if low > valid.lowerBound { parts.append("version >= \(low)") }
        if let high, high < valid.upperBound { parts.append("version <= \(high)") }
        return parts.isEmpty ? "true" : parts.joined(separator: " && ")
    }

    var text: String {
        if isNone { return "none" }
        guard let high else { return "\(low)+" }
        return high == low ? "\(low)" : "\(low)-\(high)"
    }
}

/// A field's wire type.
indirect enum FieldType: Equatable {
    case int8, int16, int32, int64, uint16, uint32, float64, bool, uuid, string, bytes, records
    case structure(String)
    case array(FieldType)

    init(parsing text: String) {
        if text.hasPrefix("[]") {
            self = .array(FieldType(parsing: String(text.dropFirst(2))))
            return
        }
        switch text {
        case "int8": self = .int8
        case "int16": self = .int16
        case "int32": self = .int32
        case "int64": self = .int64
        case "uint16": self = .uint16
        case "uint32": self = .uint32
        case "float64": self = .float64
        case "bool": self = .bool
        case "uuid": self = .uuid
        case "string": self = .string
        case "bytes": self = .bytes
        case "records": self = .records
        default: self = .structure(text)
        }
    }

    /// The Swift type of one value, without optionality.
    var swiftType: String {
        switch self {
        case .int8: return "Int8"
        case .int16: return "Int16"
        case .int32: return "Int32"
        case .int64: return "Int64"
        case .uint16: return "UInt16"
        case .uint32: return "UInt32"
        case .float64: return "Double"
        case .bool: return "Bool"
        case .uuid: return "KafkaUUID"
        case .string: return "String"
        case .bytes, .records: return "ByteBuffer"
        case let .structure(name): return name
        case let .array(element): return "[\(element.swiftType)]"
        }
    }

    var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint16, .uint32: return true
        default: return false
        }
    }
}

/// One field of a message or struct.
struct FieldDef {
    var name: String
    var type: FieldType
    var versions: VersionSpec
    var nullableVersions: VersionSpec?
    var taggedVersions: VersionSpec?
    var tag: Int?
    var defaultText: String?
    var ignorable: Bool
    var about: String?
    var flexibleOverride: VersionSpec?

    /// The Swift property name.
    var propertyName: String { SwiftNames.property(name) }
    /// Whether the Swift property is optional (the field is nullable in some version).
    var isOptional: Bool { nullableVersions.map { !$0.isNone } ?? false }
    var swiftType: String { isOptional ? "\(type.swiftType)?" : type.swiftType }
}

/// A struct: the message itself, an inline struct, or a common struct.
struct StructDef {
    var name: String
    var fields: [FieldDef]
}

/// One schema file.
struct MessageDef {
    var name: String
    var kind: String  // request, response, header, data
    var apiKey: Int?
    var validVersions: ClosedRange<Int>
    var flexibleVersions: VersionSpec
    var latestVersionUnstable: Bool
    var about: String?
    var root: StructDef
    /// Nested structs in order of first appearance, common structs included.
    var structs: [StructDef]
    var fileName: String
}

enum SchemaLoader {
    /// Removes `//` comments outside string literals, as Kafka's files are JSON with comments.
    static func stripComments(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.count)
        var inString = false
        var escaped = false
        var iterator = Array(text.unicodeScalars)[...]
        while let scalar = iterator.popFirst() {
            if inString {
                output.unicodeScalars.append(scalar)
                if escaped {
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    inString = false
                }
                continue
            }
            if scalar == "/", iterator.first == "/" {
                while let next = iterator.first, next != "\n" { iterator.removeFirst() }
                continue
            }
            if scalar == "\"" { inString = true }
            output.unicodeScalars.append(scalar)
        }
        return output
    }

    static func load(url: URL) throws -> MessageDef {
        let raw = try String(contentsOf: url, encoding: .utf8)
        let data = Data(stripComments(raw).utf8)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CodegenError("\(url.lastPathComponent): not a JSON object")
        }
        return try parseMessage(object, fileName: url.deletingPathExtension().lastPathComponent)
    }

    static func parseMessage(_ object: [String: Any], fileName: String) throws -> MessageDef {
        guard let name = object["name"] as? String, let kind = object["type"] as? String,
            let validText = object["validVersions"] as? String
        else {
            throw CodegenError("\(fileName): missing name, type or validVersions")
        }
        let valid = try VersionSpec(parsing: validText)
        let flexible = try VersionSpec(parsing: object["flexibleVersions"] as? String ?? "none")
        var structs: [StructDef] = []
        var seen: [String: [FieldDef]] = [:]
        for common in object["commonStructs"] as? [[String: Any]] ?? [] {
            guard let structName = common["name"] as? String else { throw CodegenError("\(fileName): unnamed struct") }
            let fields = try parseFields(
                common["fields"] as? [[String: Any]] ?? [], file: fileName, structs: &structs, seen: &seen)
            try register(StructDef(name: structName, fields: fields), file: fileName, structs: &structs, seen: &seen)
        }
        let fields = try parseFields(
            object["fields"] as? [[String: Any]] ?? [], file: fileName, structs: &structs, seen: &seen)
        return MessageDef(
            name: name, kind: kind, apiKey: object["apiKey"] as? Int,
            validVersions: valid.low...(valid.high ?? valid.low), flexibleVersions: flexible,
            latestVersionUnstable: object["latestVersionUnstable"] as? Bool ?? false,
            about: object["about"] as? String,
            root: StructDef(name: name, fields: fields), structs: structs, fileName: fileName)
    }

    private static func register(
        _ def: StructDef, file: String, structs: inout [StructDef], seen: inout [String: [FieldDef]]
    ) throws {
        if let existing = seen[def.name] {
            guard existing.map(\.name) == def.fields.map(\.name) else {
                throw CodegenError("\(file): struct \(def.name) defined twice with different fields")
            }
            return
        }
        seen[def.name] = def.fields
        structs.append(def)
    }

    private static func parseFields(
        _ list: [[String: Any]], file: String, structs: inout [StructDef], seen: inout [String: [FieldDef]]
    ) throws -> [FieldDef] {
        try list.map { object in
            guard let name = object["name"] as? String, let typeText = object["type"] as? String,
                let versionsText = object["versions"] as? String
            else {
                throw CodegenError("\(file): field without name, type or versions")
            }
            let field = FieldDef(
                name: name, type: FieldType(parsing: typeText),
                versions: try VersionSpec(parsing: versionsText),
                nullableVersions: try (object["nullableVersions"] as? String).map(VersionSpec.init(parsing:)),
                taggedVersions: try (object["taggedVersions"] as? String).map(VersionSpec.init(parsing:)),
                tag: object["tag"] as? Int,
                defaultText: defaultText(object["default"]),
                ignorable: object["ignorable"] as? Bool ?? false,
                about: object["about"] as? String,
                flexibleOverride: try (object["flexibleVersions"] as? String).map(VersionSpec.init(parsing:)))
            if let nested = object["fields"] as? [[String: Any]] {
                var elementType = field.type
                if case let .array(element) = elementType { elementType = element }
                guard case let .structure(structName) = elementType else {
                    throw CodegenError("\(file): field \(name) has fields but type \(typeText)")
                }
                let nestedFields = try parseFields(nested, file: file, structs: &structs, seen: &seen)
                try register(
                    StructDef(name: structName, fields: nestedFields), file: file, structs: &structs, seen: &seen)
            }
            if field.taggedVersions != nil, field.taggedVersions != field.versions {
                throw CodegenError("\(file): field \(name) is tagged in only some of its versions")
            }
            return field
        }
    }

    private static func defaultText(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}
