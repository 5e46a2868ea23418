/// The Swift statements that decode, encode and default one field, for one message's version range.
struct FieldCode {
    let field: FieldDef
    let owner: String
    let valid: ClosedRange<Int>
    let messageFlexible: VersionSpec

    var property: String { "self." + field.propertyName }
    var qualifiedName: String { SwiftNames.literal("\(owner).\(SwiftNames.bare(field.propertyName))") }

    /// When the field is on the wire (inline, or in the tagged section for tagged fields).
    var presence: String { field.versions.condition(within: valid) }
    /// When a null may be sent.
    var nullable: String { field.nullableVersions?.condition(within: valid) ?? "false" }
    /// The flexible-encoding flag for this field: the message's, unless the field overrides it.
    var flexible: String {
        if let override = field.flexibleOverride { return override.condition(within: valid) }
        return "flexible"
    }

    /// The field's default as a Swift expression.
    func defaultValue() throws -> String {
        let text = field.defaultText
        if text == "null" {
            guard field.isOptional else { throw CodegenError("\(owner).\(field.name): null default but not nullable") }
            return "nil"
        }
        switch field.type {
        case .int8, .int16, .int32, .int64, .uint16, .uint32:
            guard let text, !text.isEmpty else { return "0" }
            return text
        case .float64:
            guard let text, let value = Double(text) else { return "0" }
            return "\(value)"
        case .bool:
            return ["true", "1"].contains(text?.lowercased() ?? "false") ? "true" : "false"
        case .uuid:
            return ".zero"
        case .string:
            return SwiftNames.literal(text ?? "")
        case .bytes:
            return "ByteBuffer()"
        case .records:
            return field.isOptional ? "nil" : "ByteBuffer()"
        case .array:
            return "[]"
        case let .structure(name):
            return "\(name)()"
        }
    }

    // MARK: decoding

    private func readScalar(_ type: FieldType, optional: Bool, buffer: String) -> String {
        switch type {
        case .int8, .int16, .int32, .int64, .uint16, .uint32:
            return "try \(buffer).readKafkaInteger(as: \(type.swiftType).self)"
        case .float64: return "try \(buffer).readKafkaFloat64()"
        case .bool: return "try \(buffer).readKafkaBool()"
        case .uuid: return "try \(buffer).readKafkaUUID()"
        case .string:
            return optional
                ? "try \(buffer).readKafkaNullableString(flexible: \(flexible), nullable: \(nullable))"
                : "try \(buffer).readKafkaString(flexible: \(flexible))"
        case .bytes, .records:
            return optional
                ? "try \(buffer).readKafkaNullableBytes(flexible: \(flexible), nullable: \(nullable))"
                : "try \(buffer).readKafkaBytes(flexible: \(flexible))"
        case let .structure(name):
            return "try \(name)(from: &\(buffer), version: version)"
        case .array:
            return "[]"  // arrays are handled by decodeStatements; arrays of arrays do not occur
        }
    }

    /// Statements that read the field from `buffer` into `self`.
    func decodeStatements(buffer: String) -> [String] {
        switch field.type {
        case let .array(element):
            let elementRead = readScalar(element, optional: false, buffer: buffer)
            var lines: [String] = []
            if field.isOptional {
                lines.append(
                    "if let count = try \(buffer).readKafkaArrayCount(flexible: \(flexible), nullable: \(nullable)) {")
            } else {
                lines.append("do {")
                lines.append("    let count = try \(buffer).readKafkaArrayCount(flexible: \(flexible))")
            }
            lines += [
                "    var items: [\(element.swiftType)] = []",
                "    items.reserveCapacity(min(count, 256))  // grows with decoded elements, not with a claimed count",
                "    for _ in 0..<count { items.append(\(elementRead)) }",
                "    \(property) = items",
            ]
            if field.isOptional {
                lines += ["} else {", "    \(property) = nil", "}"]
            } else {
                lines.append("}")
            }
            return lines
        case let .structure(name) where field.isOptional:
            return [
                "if try \(buffer).readKafkaStructPresence(nullable: \(nullable)) {",
                "    \(property) = try \(name)(from: &\(buffer), version: version)",
                "} else {",
                "    \(property) = nil",
                "}",
            ]
        default:
            return ["\(property) = \(readScalar(field.type, optional: field.isOptional, buffer: buffer))"]
        }
    }

    // MARK: encoding

    private func writeScalar(_ type: FieldType, value: String, optional: Bool, buffer: String) -> String {
        switch type {
        case .int8, .int16, .int32, .int64, .uint16, .uint32: return "\(buffer).writeKafkaInteger(\(value))"
        case .float64: return "\(buffer).writeKafkaFloat64(\(value))"
        case .bool: return "\(buffer).writeKafkaBool(\(value))"
        case .uuid: return "\(buffer).writeKafkaUUID(\(value))"
        case .string:
            return optional
                ? "try \(buffer).writeKafkaNullableString(\(value), flexible: \(flexible), nullable: \(nullable))"
                : "try \(buffer).writeKafkaString(\(value), flexible: \(flexible))"
        case .bytes, .records:
            return optional
                ? "try \(buffer).writeKafkaNullableBytes(\(value), flexible: \(flexible), nullable: \(nullable))"
                : "try \(buffer).writeKafkaBytes(\(value), flexible: \(flexible))"
        case .structure:
            return "try \(value).encode(into: &\(buffer), version: version)"
        case .array:
            return ""
        }
    }

    /// Statements that write the field from `self` into `buffer`.
    func encodeStatements(buffer: String) -> [String] {
        switch field.type {
        case let .array(element):
            let elementWrite = writeScalar(element, value: "item", optional: false, buffer: buffer)
            if field.isOptional {
                return [
                    "try \(buffer).writeKafkaArrayCount(\(property)?.count, "
                        + "flexible: \(flexible), nullable: \(nullable))",
                    "for item in \(property) ?? [] { \(elementWrite) }",
                ]
            }
            return [
                "try \(buffer).writeKafkaArrayCount(\(property).count, flexible: \(flexible))",
                "for item in \(property) { \(elementWrite) }",
            ]
        case .structure where field.isOptional:
            return [
                "try \(buffer).writeKafkaStructPresence(\(property) != nil, nullable: \(nullable))",
                "if let value = \(property) { try value.encode(into: &\(buffer), version: version) }",
            ]
        default:
            return [writeScalar(field.type, value: property, optional: field.isOptional, buffer: buffer)]
        }
    }

    /// A check that refuses a non-default value in versions without the field (none if it is ignorable).
    func absentCheck() throws -> String? {
        if field.ignorable { return nil }
        return
            "if \(property) != \(try defaultValue()) { throw .fieldNotSupported(\(qualifiedName), version: version) }"
    }
}
