/// Why a record batch was refused, with the kind of refusal a broker maps to its protocol's error.
///
/// A struct over a private enum (swift-nio's habit) so that new reasons can be added without breaking callers.
public struct RecordBatchError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Reason: Hashable, Sendable {
        case truncated(needed: Int, available: Int)
        case badBatchLength(Int32)
        case unsupportedMagic(Int8)
        case crcMismatch(stored: UInt32, computed: UInt32)
        case recordCountMismatch(lastOffsetDelta: Int32, recordsCount: Int32)
        case tooLarge(size: Int, limit: Int)
        case invalidRecord(String)
        case corruptRecords(String)
        case unsupportedCompression(Int)
        case decompressedTooLarge(limit: Int)
        case missingKey(recordIndex: Int)
    }

    private let reason: Reason

    /// The batch ends before the bytes it announces.
    public static func truncated(needed: Int, available: Int) -> Self { .init(reason: .truncated(needed: needed, available: available)) }
    /// The batch length field is impossible (shorter than a header, or negative).
    public static func badBatchLength(_ length: Int32) -> Self { .init(reason: .badBatchLength(length)) }
    /// A legacy (magic 0 or 1) message set, or an unknown magic byte.
    public static func unsupportedMagic(_ magic: Int8) -> Self { .init(reason: .unsupportedMagic(magic)) }
    /// The stored CRC32C does not match the bytes.
    public static func crcMismatch(stored: UInt32, computed: UInt32) -> Self {
        .init(reason: .crcMismatch(stored: stored, computed: computed))
    }
    /// lastOffsetDelta + 1 differs from recordsCount.
    public static func recordCountMismatch(lastOffsetDelta: Int32, recordsCount: Int32) -> Self {
        .init(reason: .recordCountMismatch(lastOffsetDelta: lastOffsetDelta, recordsCount: recordsCount))
    }
    /// The batch is larger than the topic's max.message.bytes.
    public static func tooLarge(size: Int, limit: Int) -> Self { .init(reason: .tooLarge(size: size, limit: limit)) }
    /// A record inside the batch is malformed.
    public static func invalidRecord(_ detail: String) -> Self { .init(reason: .invalidRecord(detail)) }
    /// The records section does not add up with its framing: a record runs past the batch, bytes follow the
    /// last record, or a compressed section does not decompress.
    public static func corruptRecords(_ detail: String) -> Self { .init(reason: .corruptRecords(detail)) }
    /// The attributes name a compression codec other than 0-4.
    public static func unsupportedCompression(_ codec: Int) -> Self { .init(reason: .unsupportedCompression(codec)) }
    /// A compressed records section decompresses to more than the broker's bound.
    public static func decompressedTooLarge(limit: Int) -> Self { .init(reason: .decompressedTooLarge(limit: limit)) }
    /// A record has a null key where every record needs one (a compacted topic keeps the latest record per key).
    public static func missingKey(recordIndex: Int) -> Self { .init(reason: .missingKey(recordIndex: recordIndex)) }

    /// The index in its batch of the record without a key, when that is the refusal; nil otherwise. Kafka's
    /// answer names the topic partition, which only the caller knows.
    public var missingKeyRecordIndex: Int? {
        if case .missingKey(let index) = reason { index } else { nil }
    }

    /// The kinds of refusal, which a broker maps to its protocol's error codes (SpoolBroker's KafkaErrorMapping).
    public enum Kind: Hashable, Sendable, CaseIterable {
        /// The bytes do not add up: length, CRC, records past the batch or after the last one, a compressed
        /// section that does not decompress. Damage in transit, which a retry may cure.
        case corrupt
        /// The batch is too large before or after decompression.
        case tooLarge
        /// A legacy (magic 0 or 1) or unknown batch format.
        case unsupportedFormat
        /// A compression codec other than 0-4.
        case unsupportedCompression
        /// A record count that disagrees with lastOffsetDelta, a malformed record, or what a client may not send.
        case invalidRecord
    }

    /// What kind of refusal this is.
    public var kind: Kind {
        switch reason {
        case .truncated, .badBatchLength, .crcMismatch, .corruptRecords: .corrupt
        case .tooLarge, .decompressedTooLarge: .tooLarge
        case .unsupportedMagic: .unsupportedFormat
        case .unsupportedCompression: .unsupportedCompression
        // Kafka's LogValidator answers a count that does not match lastOffsetDelta with INVALID_RECORD.
        case .recordCountMismatch, .invalidRecord, .missingKey: .invalidRecord
        }
    }

    public var description: String {
        switch reason {
        case .truncated(let needed, let available):
            "record batch truncated: needs \(needed) bytes, \(available) present"
        case .badBatchLength(let length):
            "record batch length \(length) is impossible (a v2 batch is at least 49 bytes after the length field)"
        case .unsupportedMagic(let magic) where magic == 0 || magic == 1:
            "legacy message format (magic \(magic)) is not supported: upgrade the client to one that sends "
                + "record batches v2 (Kafka 0.11+, librdkafka 0.11+)"
        case .unsupportedMagic(let magic):
            "unknown record batch magic \(magic): only v2 record batches are accepted"
        case .crcMismatch(let stored, let computed):
            "record batch CRC32C mismatch: stored \(stored), computed \(computed)"
        case .recordCountMismatch(let delta, let count):
            "record batch lastOffsetDelta \(delta) + 1 does not equal recordsCount \(count)"
        case .tooLarge(let size, let limit):
            "record batch of \(size) bytes exceeds max.message.bytes \(limit)"
        case .invalidRecord(let detail):
            "invalid record: \(detail)"
        case .corruptRecords(let detail):
            "corrupt records: \(detail)"
        case .unsupportedCompression(let codec):
            "unknown compression codec \(codec) in the batch attributes: Kafka defines 0 (none), 1 (gzip), "
                + "2 (snappy), 3 (lz4) and 4 (zstd)"
        case .decompressedTooLarge(let limit):
            "the batch decompresses to more than message.max.decompressed.bytes (\(limit)): "
                + "send smaller batches (batch.size) or raise the setting"
        case .missingKey(let index):
            "record \(index) has no key: a compacted topic keeps the latest record of each key, so every record "
                + "needs one"
        }
    }
}
