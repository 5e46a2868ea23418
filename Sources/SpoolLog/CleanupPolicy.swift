/// A topic's `cleanup.policy`: whether retention deletes old segments, compaction keeps the latest record of every
/// key, or both (`compact,delete`). A plain value.
public struct CleanupPolicy: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    /// - Parameter rawValue: the bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Retention deletes segments past `retention.ms` / `retention.bytes`.
    public static let delete = CleanupPolicy(rawValue: 1)
    /// The log cleaner keeps only the latest record of each key.
    public static let compact = CleanupPolicy(rawValue: 2)

    /// Parses Kafka's comma-separated list (`delete`, `compact`, `compact,delete` in any order, spaces allowed).
    /// - Parameter text: the config's value.
    /// - Returns: the policy, or nil when the list is empty or names something else.
    public init?(parsing text: String) {
        var policy: CleanupPolicy = []
        for item in text.split(separator: ",") {
            switch String(item.filter { !$0.isWhitespace }) {
            case "delete": policy.insert(.delete)
            case "compact": policy.insert(.compact)
            default: return nil
            }
        }
        guard !policy.isEmpty else { return nil }
        self = policy
    }

    /// Kafka's spelling: `delete`, `compact` or `compact,delete`.
    public var description: String {
        [contains(.compact) ? "compact" : nil, contains(.delete) ? "delete" : nil].compactMap { $0 }
            .joined(separator: ",")
    }
}
