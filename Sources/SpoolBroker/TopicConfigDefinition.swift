import Foundation
import SpoolLog

/// One Kafka topic config: its name, the broker setting that gives its default (Kafka's synonym), its type and
/// allowed values, Kafka's default, a line of documentation, and where it lands in `LogConfig` when it acts on
/// a single broker. A plain value: thread-safe.
struct TopicConfigDefinition: Sendable {
    /// Kafka's config types (`ConfigDef.Type`, as DescribeConfigs v3 numbers them).
    enum ValueType: Int8, Sendable {
        case boolean = 1
        case string = 2
        case int = 3
        case long = 5
        case double = 6
        case list = 7
    }

    /// What values Kafka accepts, beyond the type.
    enum Constraint: Sendable {
        /// Any value of the type.
        case any
        /// An integer in a range (int configs are also bounded by Int32).
        case range(ClosedRange<Int64>)
        /// A number in a range (double configs).
        case fraction(ClosedRange<Double>)
        /// One of these strings (Kafka's `ValidString`).
        case oneOf([String])
        /// A non-empty comma-separated list of these strings (Kafka's `ValidList`).
        case listOf([String])
        /// Empty, `*`, or a list of `partition:broker` pairs (Kafka's `ThrottledReplicaListValidator`).
        case replicaList
    }

    /// Where an acting config lands in `LogConfig`: how to set a validated value and how to read it back.
    struct Field: Sendable {
        let apply: @Sendable (String, inout LogConfig) -> Void
        let read: @Sendable (LogConfig) -> String

        /// An `Int` property; the value was range-checked, so it parses.
        static func int(_ path: WritableKeyPath<LogConfig, Int> & Sendable) -> Field {
            Field(apply: { value, config in if let number = Int(value) { config[keyPath: path] = number } },
                  read: { String($0[keyPath: path]) })
        }

        /// An `Int64` property; the value was range-checked, so it parses.
        static func long(_ path: WritableKeyPath<LogConfig, Int64> & Sendable) -> Field {
            Field(apply: { value, config in if let number = Int64(value) { config[keyPath: path] = number } },
                  read: { String($0[keyPath: path]) })
        }

        /// A `Double` property; the value was range-checked, so it parses. Read back as Swift prints a double
        /// (`0.5`, `1.0`), which is how Kafka prints its default.
        static func double(_ path: WritableKeyPath<LogConfig, Double> & Sendable) -> Field {
            Field(apply: { value, config in if let number = Double(value) { config[keyPath: path] = number } },
                  read: { String($0[keyPath: path]) })
        }

        /// `cleanup.policy`: the list was checked against `compact` and `delete`, so it parses. The policy reads
        /// back in Kafka's spelling (`compact,delete`); DescribeConfigs reports a topic's own value as it was set.
        static let cleanupPolicy = Field(
            apply: { value, config in
                if let policy = CleanupPolicy(parsing: value) { config.cleanupPolicy = policy }
            },
            read: { $0.cleanupPolicy.description })

        static let timestampType = Field(
            apply: { value, config in
                if let type = LogConfig.TimestampType(rawValue: value) { config.timestampType = type }
            },
            read: { $0.timestampType.rawValue })
    }

    let name: String
    /// The broker setting that gives the default (Kafka's `TopicConfigSynonyms`); nil when Kafka has none.
    let brokerSynonym: String?
    let type: ValueType
    let constraint: Constraint
    /// Kafka's default, used when Spool has no broker setting of that name.
    let kafkaDefault: String
    let documentation: String
    /// Where the value lands in the partition log's settings; nil when it is stored and described but has no
    /// effect on one broker.
    let field: Field?
    /// A message when a valid value cannot be honoured safely (e.g. tiered storage); nil when it can.
    let refusal: @Sendable (String) -> String?

    init(_ name: String, synonym: String?, _ type: ValueType, _ constraint: Constraint = .any,
         default kafkaDefault: String, field: Field? = nil,
         refusal: @escaping @Sendable (String) -> String? = { _ in nil }, _ documentation: String)
    {
        self.name = name
        self.brokerSynonym = synonym
        self.type = type
        self.constraint = constraint
        self.kafkaDefault = kafkaDefault
        self.documentation = documentation
        self.field = field
        self.refusal = refusal
    }

    /// Whether the config changes what this broker does (else it is stored and described only).
    var acts: Bool { field != nil }

    /// The value in Kafka's canonical form (trimmed, booleans in lower case), checked against the type, the
    /// constraint and what Spool can honour.
    /// - Parameter key: the name to put in messages: this config's, or its broker synonym's.
    /// - Returns: the canonical value, or a message naming the key, the value and what is allowed.
    func canonical(_ value: String, key: String) -> Result<String, TopicConfigRefusal> {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let invalid = { (allowed: String) in
            Result<String, TopicConfigRefusal>.failure(.init("invalid value '\(value)' for \(key): \(allowed)"))
        }
        let canonical: String
        switch (type, constraint) {
        case (.boolean, _):
            guard ["true", "false"].contains(trimmed.lowercased()) else { return invalid("allowed true or false") }
            canonical = trimmed.lowercased()
        case (.int, .range(let range)), (.long, .range(let range)):
            let bounds = type == .int ? range.clamped(to: Int64(Int32.min)...Int64(Int32.max)) : range
            guard let number = Int64(trimmed), bounds.contains(number) else {
                return invalid("expected an integer from \(bounds.lowerBound) to \(bounds.upperBound)")
            }
            canonical = String(number)
        case (.double, .fraction(let range)):
            guard let number = Double(trimmed), range.contains(number) else {
                return invalid("expected a number from \(range.lowerBound) to \(range.upperBound)")
            }
            canonical = String(number)
        case (_, .oneOf(let allowed)):
            guard allowed.contains(trimmed) else { return invalid("allowed " + Self.alternatives(allowed)) }
            canonical = trimmed
        case (_, .listOf(let allowed)):
            let items = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty, items.allSatisfy(allowed.contains) else {
                return invalid("expected a list of " + Self.alternatives(allowed))
            }
            canonical = items.joined(separator: ",")
        case (_, .replicaList):
            guard Self.isReplicaList(trimmed) else {
                return invalid("expected empty, * or a list of PARTITION:BROKER pairs, e.g. 0:1,1:1")
            }
            canonical = trimmed
        default:
            canonical = trimmed
        }
        if let message = refusal(canonical) { return .failure(.init(message)) }
        return .success(canonical)
    }

    private static func alternatives(_ values: [String]) -> String {
        values.count <= 2 ? values.joined(separator: " or ") : values.joined(separator: ", ")
    }

    private static func isReplicaList(_ value: String) -> Bool {
        if value.isEmpty || value == "*" { return true }
        return value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { pair in
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { Int32($0.trimmingCharacters(in: .whitespaces)) != nil }
        }
    }
}

/// Why a topic config value was refused: a message naming the key, the value and what is allowed.
struct TopicConfigRefusal: Error, Sendable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
