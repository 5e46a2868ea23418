#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SpoolRecords

/// Why a log operation failed. A struct over a private enum so that reasons can be added without breaking callers.
///
/// `kind` says what failed without the details; the broker maps kinds to Kafka error codes in one place
/// (SpoolBroker's KafkaErrorMapping).
public struct LogError: Error, Sendable, CustomStringConvertible {
    enum Reason: Sendable {
        case offsetOutOfRange(offset: Int64, logStartOffset: Int64, logEndOffset: Int64)
        case invalidBatch(RecordBatchError)
        case storage(operation: String, path: String, errno: Int32)
        case offline(String)
        case dataDirectoryLocked(path: String, holder: String)
        case invalidArgument(String)
        case closed
        case producer(ProducerRefusal, String)
        case damagedSegment(path: String, detail: String)
    }

    let reason: Reason

    /// The offset lies below the log start offset or above the log end offset.
    public static func offsetOutOfRange(offset: Int64, logStartOffset: Int64, logEndOffset: Int64) -> Self {
        .init(reason: .offsetOutOfRange(offset: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset))
    }
    /// The batch was refused before anything was written.
    public static func invalidBatch(_ error: RecordBatchError) -> Self { .init(reason: .invalidBatch(error)) }
    /// A system call on a log file failed (disk full, I/O error, permissions).
    public static func storage(_ operation: String, path: String, errno: Int32) -> Self {
        .init(reason: .storage(operation: operation, path: path, errno: errno))
    }
    /// The log was taken offline after an fsync failed; only a restart (with recovery) brings it back.
    public static func offline(_ detail: String) -> Self { .init(reason: .offline(detail)) }
    /// Another process holds the data directory.
    public static func dataDirectoryLocked(path: String, holder: String) -> Self {
        .init(reason: .dataDirectoryLocked(path: path, holder: holder))
    }
    /// A caller passed something the log cannot use.
    public static func invalidArgument(_ detail: String) -> Self { .init(reason: .invalidArgument(detail)) }
    /// The log manager has shut down.
    public static var closed: Self { .init(reason: .closed) }
    /// Why an idempotent producer's batch was refused.
    public enum ProducerRefusal: Hashable, Sendable, CaseIterable {
        /// The sequence number does not follow the producer's last one (or a new epoch does not start at 0).
        case outOfOrderSequence
        /// The producer's epoch is older than the current one: a newer instance has taken over.
        case staleEpoch
        /// A non-transactional batch from a producer whose transaction is open on the partition.
        case invalidTxnState
    }

    /// An idempotent producer's batch was refused.
    public static func producer(_ refusal: ProducerRefusal, _ detail: String) -> Self {
        .init(reason: .producer(refusal, detail))
    }

    /// What kind of failure this is, for a caller to map to its protocol's error.
    public enum Kind: Hashable, Sendable {
        /// The offset lies outside the log.
        case offsetOutOfRange
        /// The batch was refused before anything was written, for this reason.
        case invalidBatch(RecordBatchError.Kind)
        /// An idempotent producer's batch was refused.
        case producer(ProducerRefusal)
        /// The disk failed us: a failed system call, an offline log, or a damaged segment.
        case storage
        /// Another process holds the data directory.
        case dataDirectoryLocked
        /// A caller passed something the log cannot use.
        case invalidArgument
        /// The log manager has shut down.
        case closed
    }

    /// What kind of failure this is.
    public var kind: Kind {
        switch reason {
        case .offsetOutOfRange: .offsetOutOfRange
        case .invalidBatch(let error): .invalidBatch(error.kind)
        case .producer(let refusal, _): .producer(refusal)
        case .storage, .offline, .damagedSegment: .storage
        case .dataDirectoryLocked: .dataDirectoryLocked
        case .invalidArgument: .invalidArgument
        case .closed: .closed
        }
    }

    /// A segment's bytes or its index do not lead where they should (an index entry off a batch boundary, a batch
    /// header that does not parse before the segment's end). Reads rebuild the indexes once; what remains is
    /// damage in the log itself, answered as KAFKA_STORAGE_ERROR rather than skipped.
    public static func damagedSegment(path: String, _ detail: String) -> Self {
        .init(reason: .damagedSegment(path: path, detail: detail))
    }

    /// Why an idempotent batch was refused, if that is what happened.
    public var producerRefusal: ProducerRefusal? { if case .producer(let refusal, _) = reason { refusal } else { nil } }

    /// Whether this is an out-of-range offset (OFFSET_OUT_OF_RANGE).
    public var isOffsetOutOfRange: Bool { if case .offsetOutOfRange = reason { true } else { false } }
    /// Whether the disk failed us (KAFKA_STORAGE_ERROR): a failed system call or an offline log.
    public var isStorageError: Bool {
        switch reason {
        case .storage, .offline, .damagedSegment: true
        default: false
        }
    }
    /// Whether a segment's index or bytes were found not to match (see `damagedSegment`).
    public var isDamagedSegment: Bool { if case .damagedSegment = reason { true } else { false } }
    /// The batch error, when the batch itself was refused.
    public var batchError: RecordBatchError? { if case .invalidBatch(let error) = reason { error } else { nil } }
    /// The errno of a failed system call, if that is what happened.
    public var errno: Int32? { if case .storage(_, _, let code) = reason { code } else { nil } }

    public var description: String {
        switch reason {
        case .offsetOutOfRange(let offset, let start, let end):
            return "offset \(offset) is out of range: the log holds offsets \(start) to \(end) (log end offset, exclusive)"
        case .invalidBatch(let error):
            return error.description
        case .storage(let operation, let path, let code):
            let message = String(cString: strerror(code))
            let hint = code == ENOSPC || code == EDQUOT ? "; free disk space and retry" : ""
            return "\(operation) failed on \(path): \(message) (errno \(code))\(hint)"
        case .offline(let detail):
            return "log is offline: \(detail); restart the broker to recover it"
        case .dataDirectoryLocked(let path, let holder):
            return "data directory \(path) is in use by another Spool process (\(holder)); "
                + "stop that broker or start this one with another --data-dir"
        case .invalidArgument(let detail):
            return detail
        case .closed:
            return "the log manager is shut down"
        case .producer(_, let detail):
            return detail
        case .damagedSegment(let path, let detail):
            return "segment \(path) is damaged: \(detail); its indexes are rebuilt from the log, and damage that "
                + "remains needs the segment restored or removed"
        }
    }
}
