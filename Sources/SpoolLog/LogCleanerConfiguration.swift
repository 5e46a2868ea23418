/// Settings of the log cleaner, which compacts logs whose `cleanup.policy` includes `compact` (the
/// `log.cleaner.*` keys of the broker's configuration, named as Kafka's). A plain value.
public struct LogCleanerConfiguration: Sendable, Equatable {
    /// Whether the cleaner runs at all (`log.cleaner.enable`); without it compacted logs only grow.
    public var enabled = true
    /// Memory for the offset map of one cleaning round, allocated at the first round (`log.cleaner.dedupe.buffer.size`).
    /// 24 bytes per key: the default maps about 5.6 million distinct keys per round.
    public var dedupeBufferBytes = 128 << 20
    /// The size of one read from a segment while cleaning (`log.cleaner.io.buffer.size`).
    public var ioBufferBytes = 1 << 20
    /// Bytes read and written per second by the cleaner, at most (`log.cleaner.io.max.bytes.per.second`).
    public var ioMaxBytesPerSecond = Double.infinity
    /// How long the cleaner sleeps when no log needs cleaning (`log.cleaner.backoff.ms`).
    public var backoffMs: Int64 = 15_000

    /// The defaults, as Kafka's.
    public init() {}

    /// The smallest offset map accepted: 1 MiB (Kafka's floor).
    public static let minimumDedupeBufferBytes = 1 << 20

    /// Checks the values against what the cleaner can honour.
    /// - Throws: `LogError.invalidArgument` naming the setting, its value and what is allowed.
    public func validate() throws(LogError) {
        guard dedupeBufferBytes >= Self.minimumDedupeBufferBytes else {
            throw .invalidArgument(
                "log.cleaner.dedupe.buffer.size=\(dedupeBufferBytes) is too small: at least "
                    + "\(Self.minimumDedupeBufferBytes)")
        }
        guard ioBufferBytes >= 64 * 1024 else {
            throw .invalidArgument("log.cleaner.io.buffer.size=\(ioBufferBytes) must be at least 65536")
        }
        guard ioMaxBytesPerSecond > 0 else {
            throw .invalidArgument("log.cleaner.io.max.bytes.per.second=\(ioMaxBytesPerSecond) must be above 0")
        }
        guard backoffMs >= 1 else { throw .invalidArgument("log.cleaner.backoff.ms=\(backoffMs) must be at least 1") }
    }
}
