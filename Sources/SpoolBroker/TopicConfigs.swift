import SpoolLog

/// Why the broker refused a request, with the Kafka error code to answer and a message for the client.
struct BrokerError: Error, Sendable, CustomStringConvertible {
    let code: KafkaErrorCode
    let message: String

    var description: String { message }

    static func invalidConfig(_ message: String) -> Self { .init(code: .invalidConfig, message: message) }
}

/// Per-topic configs by their Kafka names, merged over the broker's log defaults. Stateless.
enum TopicConfigs {
    /// The topic configs Spool understands (DescribeConfigs lists these).
    static let names = [
        "cleanup.policy", "max.message.bytes", "message.timestamp.type", "retention.bytes", "retention.ms",
        "segment.bytes", "segment.ms",
    ]

    /// The log settings for a topic with `overrides`.
    /// - Throws: `BrokerError` INVALID_CONFIG naming the key, the value and what is allowed.
    static func logConfig(defaults: LogConfig, overrides: [String: String]) throws(BrokerError) -> LogConfig {
        var config = defaults
        for (key, value) in overrides {
            switch key {
            case "retention.ms": config.retentionMs = try number(key, value, -1...Int64.max)
            case "retention.bytes": config.retentionBytes = try number(key, value, -1...Int64.max)
            case "segment.bytes":
                config.segmentBytes = Int(
                    try number(key, value, Int64(LogConfig.minSegmentBytes)...Int64(LogConfig.maxSegmentBytes)))
            case "segment.ms": config.segmentMs = try number(key, value, 1...Int64.max)
            case "max.message.bytes": config.maxMessageBytes = Int(try number(key, value, 0...Int64(Int32.max)))
            case "message.timestamp.type":
                guard let type = LogConfig.TimestampType(rawValue: value) else {
                    throw .invalidConfig("invalid value '\(value)' for \(key): allowed CreateTime or LogAppendTime")
                }
                config.timestampType = type
            case "cleanup.policy":
                guard value == "delete" else {
                    throw .invalidConfig(
                        "cleanup.policy=\(value) is not supported: Spool deletes old segments (delete); "
                            + "log compaction is not built yet")
                }
            default:
                throw .invalidConfig(
                    "unknown topic config '\(key)': Spool supports \(names.joined(separator: ", "))")
            }
        }
        do {
            try config.validate()
        } catch {
            throw .invalidConfig("\(error)")
        }
        return config
    }

    /// The effective value of every supported config for a topic, and whether it is the broker default.
    static func describe(defaults: LogConfig, overrides: [String: String]) -> [(name: String, value: String, isDefault: Bool)] {
        let effective = (try? logConfig(defaults: defaults, overrides: overrides)) ?? defaults
        let values: [String: String] = [
            "cleanup.policy": "delete",
            "max.message.bytes": String(effective.maxMessageBytes),
            "message.timestamp.type": effective.timestampType.rawValue,
            "retention.bytes": String(effective.retentionBytes),
            "retention.ms": String(effective.retentionMs),
            "segment.bytes": String(effective.segmentBytes),
            "segment.ms": String(effective.segmentMs),
        ]
        return names.map { ($0, values[$0] ?? "", overrides[$0] == nil) }
    }

    private static func number(_ key: String, _ value: String, _ range: ClosedRange<Int64>) throws(BrokerError) -> Int64 {
        guard let number = Int64(value), range.contains(number) else {
            throw .invalidConfig(
                "invalid value '\(value)' for \(key): expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
