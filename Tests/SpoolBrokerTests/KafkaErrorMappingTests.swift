import Foundation
import SpoolLog
import SpoolMetadata
import SpoolProtocol
import SpoolRecords
import SpoolTestSupport
import Testing

@testable import SpoolBroker

@Suite struct KafkaErrorMappingTests {
    @Test("each kind of refused batch maps to Kafka's code for it")
    func recordBatchKinds() {
        let expected: [RecordBatchError.Kind: KafkaErrorCode] = [
            .corrupt: .corruptMessage, .tooLarge: .messageTooLarge, .unsupportedFormat: .unsupportedForMessageFormat,
            .unsupportedCompression: .unsupportedCompressionType, .invalidRecord: .invalidRecord,
        ]
        #expect(Set(expected.keys) == Set(RecordBatchError.Kind.allCases))
        for (kind, code) in expected { #expect(KafkaErrorCode(kind) == code, "\(kind)") }
        // The wire codes the broker tests expect of malformed batches follow from the kinds the validator reports.
        for batch in MalformedBatch.allCases {
            #expect(KafkaErrorCode(batch.expectedKind).rawValue == batch.expectedErrorCode, "\(batch)")
        }
        let error = BrokerError(wrapping: RecordBatchError.tooLarge(size: 10, limit: 5))
        #expect(error.code == .messageTooLarge && error.message.contains("max.message.bytes"))
    }

    @Test("each kind of log failure maps to one code, the same for every API")
    func logErrorKinds() {
        let cases: [(LogError, KafkaErrorCode)] = [
            (.offsetOutOfRange(offset: 9, logStartOffset: 0, logEndOffset: 3), .offsetOutOfRange),
            (.invalidBatch(.crcMismatch(stored: 1, computed: 2)), .corruptMessage),
            (.invalidBatch(.unsupportedMagic(1)), .unsupportedForMessageFormat),
            (.producer(.outOfOrderSequence, "gap"), .outOfOrderSequenceNumber),
            (.producer(.staleEpoch, "old"), .invalidProducerEpoch),
            (.producer(.invalidTxnState, "open"), .invalidTxnState),
            (.storage("write", path: "/x", errno: 28), .kafkaStorageError),
            (.offline("fsync failed"), .kafkaStorageError),
            (.damagedSegment(path: "/x", "bad index"), .kafkaStorageError),
            (.dataDirectoryLocked(path: "/x", holder: "pid 1"), .unknownServerError),
            (.invalidArgument("no"), .unknownServerError),
            (.closed, .unknownServerError),
        ]
        for (error, code) in cases {
            let mapped = BrokerError(wrapping: error)
            #expect(mapped.code == code, "\(error)")
            #expect(mapped.message == error.description)
        }
    }

    @Test("each kind of metadata failure maps to Kafka's code for it")
    func metadataCodes() {
        let topic = TopicMetadata(name: "t", topicId: UUID(), partitionCount: 1, configs: [:], createdAt: Date())
        let cases: [(MetadataError, KafkaErrorCode)] = [
            (.topicAlreadyExists(topic), .topicAlreadyExists),
            (.topicNameCollision("a_b", existing: "a.b"), .invalidTopicException),
            (.invalidTopicName("a b", reason: "space"), .invalidTopicException),
            (.unknownTopic("t"), .unknownTopicOrPartition),
            (.invalidPartitionCount(topic: "t", requested: 0, current: nil), .invalidPartitions),
            (.conflictingConfigUpdate(topic: "t", keys: ["a"]), .invalidRequest),
            (.storage("disk I/O error"), .kafkaStorageError),
        ]
        for (error, code) in cases {
            #expect(BrokerError(wrapping: error).code == code, "\(error)")
            #expect(BrokerError(wrapping: error).message == error.description)
        }
    }

    @Test("a BrokerError passes through; anything else is UNKNOWN_SERVER_ERROR with its text")
    func otherErrors() {
        let refused = BrokerError.invalidConfig("bad")
        #expect(BrokerError(wrapping: refused).code == .invalidConfig)
        struct Odd: Error, CustomStringConvertible { var description: String { "odd" } }
        let other = BrokerError(wrapping: Odd())
        #expect(other.code == .unknownServerError && other.message == "odd")
    }
}
