import SpoolLog
import SpoolMetadata
import SpoolProtocol
import SpoolRecords

/// The broker's name for SpoolProtocol's Kafka error vocabulary, so that every broker file (group coordinator
/// included) speaks it without importing the codec module.
typealias KafkaErrorCode = SpoolProtocol.KafkaErrorCode

/// Why the broker refused a request, with the Kafka error code to answer and a message for the client.
/// `BrokerError(wrapping:)` is the one entry point from the lower layers' errors to Kafka's vocabulary, so
/// that the same failure gets the same code in every API. A value type: thread-safe.
struct BrokerError: Error, Sendable, CustomStringConvertible {
    let code: KafkaErrorCode
    let message: String

    var description: String { message }

    static func invalidConfig(_ message: String) -> Self { .init(code: .invalidConfig, message: message) }
}

extension BrokerError {
    /// The Kafka error code and message to answer for `error`: a `BrokerError` as it is, the lower layers'
    /// errors by their kind (see the `KafkaErrorCode` initialisers below), anything else UNKNOWN_SERVER_ERROR.
    /// - Parameter error: what a catalog, store or log call threw.
    init(wrapping error: any Error) {
        switch error {
        case let error as BrokerError: self = error
        case let error as MetadataError: self.init(code: KafkaErrorCode(error.code), message: error.description)
        case let error as LogError: self.init(code: KafkaErrorCode(error.kind), message: error.description)
        case let error as RecordBatchError: self.init(code: KafkaErrorCode(error.kind), message: error.description)
        default: self.init(code: .unknownServerError, message: "\(error)")
        }
    }
}

extension KafkaErrorCode {
    /// The code for a refused batch. Kafka's LogValidator answers a record count that disagrees with
    /// lastOffsetDelta, a malformed record or a client-set control bit with INVALID_RECORD, and damage in the
    /// bytes with CORRUPT_MESSAGE, which clients retry.
    init(_ kind: RecordBatchError.Kind) {
        switch kind {
        case .corrupt: self = .corruptMessage
        case .tooLarge: self = .messageTooLarge
        case .unsupportedFormat: self = .unsupportedForMessageFormat
        case .unsupportedCompression: self = .unsupportedCompressionType
        case .invalidRecord: self = .invalidRecord
        }
    }

    /// The code for a failed log operation. A failing disk is KAFKA_STORAGE_ERROR everywhere (Produce, Fetch,
    /// ListOffsets, DeleteRecords, admin), which clients retry; a shut-down log or a caller's mistake is the
    /// broker's own failure.
    init(_ kind: LogError.Kind) {
        switch kind {
        case .offsetOutOfRange: self = .offsetOutOfRange
        case .invalidBatch(let batch): self.init(batch)
        case .producer(.outOfOrderSequence): self = .outOfOrderSequenceNumber
        case .producer(.staleEpoch): self = .invalidProducerEpoch
        case .producer(.invalidTxnState): self = .invalidTxnState
        case .storage: self = .kafkaStorageError
        case .dataDirectoryLocked, .invalidArgument, .closed: self = .unknownServerError
        }
    }

    /// The code for a failed metadata operation: a bad or colliding topic name is INVALID_TOPIC_EXCEPTION, a key
    /// both set and removed INVALID_REQUEST, a failing database KAFKA_STORAGE_ERROR.
    init(_ code: MetadataError.Code) {
        switch code {
        case .topicAlreadyExists: self = .topicAlreadyExists
        case .topicNameCollision, .invalidTopicName: self = .invalidTopicException
        case .unknownTopic: self = .unknownTopicOrPartition
        case .invalidPartitionCount: self = .invalidPartitions
        case .conflictingConfigUpdate: self = .invalidRequest
        case .storage: self = .kafkaStorageError
        default: self = .unknownServerError
        }
    }
}
