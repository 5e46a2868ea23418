import Foundation
import SpoolMetadata

/// The GROUP-resource config keys of a share group (DescribeConfigs / IncrementalAlterConfigs resource type 32):
/// Kafka 4.1's `GroupConfig` names where Kafka has them, KIP-1191's dead-letter topic name, and Spool's own
/// redelivery backoff. Parses and validates overrides into a ``ShareGroupConfig``. Stateless.
enum ShareGroupConfigKeys {
    static let autoOffsetReset = "share.auto.offset.reset"
    static let recordLockDurationMs = "share.record.lock.duration.ms"
    static let isolationLevel = "share.isolation.level"
    static let deliveryCountLimit = "share.delivery.count.limit"
    /// KIP-1191's group config.
    static let deadLetterTopic = "errors.deadletterqueue.topic.name"
    /// Spool's: the delay before a released or expired record is delivered again (0: at once, as Kafka).
    static let redeliveryBackoffMs = "share.redelivery.backoff.ms"
    /// Spool's: with a value above `share.redelivery.backoff.ms`, the delay doubles per delivery up to this.
    static let redeliveryBackoffMaxMs = "share.redelivery.backoff.max.ms"

    /// Every key, in the order DescribeConfigs lists them.
    static let all = [
        autoOffsetReset, recordLockDurationMs, isolationLevel, deliveryCountLimit, deadLetterTopic,
        redeliveryBackoffMs, redeliveryBackoffMaxMs,
    ]

    /// Bounds shared with the broker settings they override (`group.share.*`).
    static let lockDurationRange: ClosedRange<Int64> = 1000...3_600_000
    static let deliveryLimitRange: ClosedRange<Int16> = 2...100
    static let backoffRange: ClosedRange<Int64> = 0...3_600_000

    /// The effective value of every key for a config, as DescribeConfigs shows it (nil: not set).
    static func values(of config: ShareGroupConfig) -> [String: String?] {
        let reset: String
        switch config.autoOffsetReset {
        case .latest: reset = "latest"
        case .earliest: reset = "earliest"
        case .byDuration(let ms): reset = "by_duration:PT\(Double(ms) / 1000)S"
        }
        var backoff: Int64 = 0
        var backoffMax: Int64 = 0
        switch config.redeliveryBackoff {
        case .none: break
        case .fixed(let delayMs): (backoff, backoffMax) = (delayMs, delayMs)
        case .exponential(let baseMs, let maximumMs): (backoff, backoffMax) = (baseMs, maximumMs)
        }
        return [
            autoOffsetReset: reset, recordLockDurationMs: String(config.recordLockDurationMs),
            isolationLevel: config.readCommitted ? "read_committed" : "read_uncommitted",
            deliveryCountLimit: String(config.deliveryCountLimit), deadLetterTopic: config.deadLetterTopic,
            redeliveryBackoffMs: String(backoff), redeliveryBackoffMaxMs: String(backoffMax),
        ]
    }

    /// The config a group's overrides give over the defaults.
    /// - Throws: INVALID_CONFIG naming the key, the value and what is accepted.
    static func apply(_ overrides: [String: String], to defaults: ShareGroupConfig, deadLetterPrefix: String)
        throws(BrokerError) -> ShareGroupConfig
    {
        var config = defaults
        for (key, value) in overrides {
            switch key {
            case autoOffsetReset:
                config.autoOffsetReset = try parseReset(value)
            case recordLockDurationMs:
                config.recordLockDurationMs = try integer(key, value, lockDurationRange)
            case isolationLevel:
                guard value == "read_uncommitted" || value == "read_committed" else {
                    throw .invalidConfig(
                        "invalid value '\(value)' for \(key): expected read_uncommitted or read_committed")
                }
                config.readCommitted = value == "read_committed"
            case deliveryCountLimit:
                config.deliveryCountLimit = try integer(key, value, deliveryLimitRange)
            case deadLetterTopic:
                guard value.hasPrefix(deadLetterPrefix), value.count > deadLetterPrefix.count,
                    (try? TopicName.validate(value)) != nil
                else {
                    throw .invalidConfig(
                        "invalid value '\(value)' for \(key): a dead-letter topic must be a valid topic name "
                            + "starting with '\(deadLetterPrefix)' (errors.deadletterqueue.topic.name.prefix)")
                }
                config.deadLetterTopic = value
            case redeliveryBackoffMs, redeliveryBackoffMaxMs:
                break  // below: the two together make one backoff
            default:
                throw .invalidConfig(
                    "unknown share group config '\(key)': Spool supports " + all.joined(separator: ", "))
            }
        }
        config.redeliveryBackoff = try backoff(overrides, over: defaults.redeliveryBackoff)
        return config
    }

    /// The backoff from `share.redelivery.backoff.ms` and `.max.ms`: none at 0, fixed when the maximum is not
    /// above the base, exponential otherwise.
    private static func backoff(_ overrides: [String: String], over defaults: RedeliveryBackoff)
        throws(BrokerError) -> RedeliveryBackoff
    {
        guard overrides[redeliveryBackoffMs] != nil || overrides[redeliveryBackoffMaxMs] != nil else {
            return defaults
        }
        var base: Int64 = 0
        if let text = overrides[redeliveryBackoffMs] { base = try integer(redeliveryBackoffMs, text, backoffRange) }
        var maximum = base
        if let text = overrides[redeliveryBackoffMaxMs] {
            maximum = try integer(redeliveryBackoffMaxMs, text, backoffRange)
        }
        if base == 0 { return .none }
        return maximum > base ? .exponential(baseMs: base, maximumMs: maximum) : .fixed(delayMs: base)
    }

    private static func integer<Number: FixedWidthInteger>(_ key: String, _ value: String,
                                                           _ range: ClosedRange<Number>) throws(BrokerError) -> Number
    {
        guard let number = Number(value), range.contains(number) else {
            throw .invalidConfig(
                "invalid value '\(value)' for \(key): expected an integer from \(range.lowerBound) to "
                    + "\(range.upperBound)")
        }
        return number
    }

    private static func parseReset(_ value: String) throws(BrokerError) -> ShareAutoOffsetReset {
        switch value {
        case "latest": return .latest
        case "earliest": return .earliest
        default:
            let prefix = "by_duration:"
            if value.hasPrefix(prefix), let ms = isoDurationMs(String(value.dropFirst(prefix.count))) {
                return .byDuration(ms: ms)
            }
            throw .invalidConfig(
                "invalid value '\(value)' for \(autoOffsetReset): expected latest, earliest or "
                    + "by_duration:<ISO-8601 duration, e.g. PT1H or P1DT30M>")
        }
    }

    /// An ISO-8601 duration as Java's `Duration.parse` takes it (`PnDTnHnMn.nS`, no sign), in milliseconds.
    static func isoDurationMs(_ text: String) -> Int64? {
        var rest = Substring(text.uppercased())
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        var sawPart = false
        let units: [Character: Double] = ["D": 86_400_000, "H": 3_600_000, "M": 60_000, "S": 1000]
        for character in rest {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
            } else if character.isNumber || character == "." {
                number.append(character)
            } else if let unit = units[character], let amount = Double(number) {
                // Days come before T; hours, minutes and seconds after it.
                guard (character == "D") != inTime else { return nil }
                guard character == "S" || !number.contains(".") else { return nil }
                total += amount * unit
                number = ""
                sawPart = true
            } else {
                return nil
            }
        }
        guard sawPart, number.isEmpty, total < Double(Int64.max / 2) else { return nil }
        return Int64(total)
    }
}
