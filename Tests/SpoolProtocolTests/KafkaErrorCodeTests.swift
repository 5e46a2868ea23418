import SpoolProtocol
import Testing

@Suite struct KafkaErrorCodeTests {
    /// A sample of Kafka's `Errors` (apache/kafka, clients/.../common/protocol/Errors.java): code, name, and
    /// whether its exception is a `RetriableException`.
    private static let kafkaSample: [(Int16, String, Bool)] = [
        (-1, "UNKNOWN_SERVER_ERROR", false), (0, "NONE", false), (1, "OFFSET_OUT_OF_RANGE", false),
        (2, "CORRUPT_MESSAGE", true), (3, "UNKNOWN_TOPIC_OR_PARTITION", true), (5, "LEADER_NOT_AVAILABLE", true),
        (6, "NOT_LEADER_OR_FOLLOWER", true), (7, "REQUEST_TIMED_OUT", true), (8, "BROKER_NOT_AVAILABLE", false),
        (10, "MESSAGE_TOO_LARGE", false), (15, "COORDINATOR_NOT_AVAILABLE", true), (16, "NOT_COORDINATOR", true),
        (17, "INVALID_TOPIC_EXCEPTION", false), (19, "NOT_ENOUGH_REPLICAS", true),
        (27, "REBALANCE_IN_PROGRESS", false), (36, "TOPIC_ALREADY_EXISTS", false), (40, "INVALID_CONFIG", false),
        (41, "NOT_CONTROLLER", true), (45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false),
        (47, "INVALID_PRODUCER_EPOCH", false), (51, "CONCURRENT_TRANSACTIONS", true),
        (56, "KAFKA_STORAGE_ERROR", true), (74, "FENCED_LEADER_EPOCH", true),
        (76, "UNSUPPORTED_COMPRESSION_TYPE", false),
        (79, "MEMBER_ID_REQUIRED", false), (87, "INVALID_RECORD", false), (89, "THROTTLING_QUOTA_EXCEEDED", true),
        (99, "POSITION_OUT_OF_RANGE", false), (100, "UNKNOWN_TOPIC_ID", true), (120, "TRANSACTION_ABORTABLE", false),
        (128, "INVALID_REGULAR_EXPRESSION", false), (129, "REBOOTSTRAP_REQUIRED", false),
        (132, "STREAMS_TOPOLOGY_FENCED", false), (133, "SHARE_SESSION_LIMIT_REACHED", true),
    ]

    @Test("names and retriable flags agree with Kafka's Errors for a sample across the range")
    func sampleMatchesKafka() {
        for (code, name, retriable) in Self.kafkaSample {
            let error = KafkaErrorCode(rawValue: code)
            #expect(error.name == name, "code \(code)")
            #expect(error.isRetriable == retriable, "\(name)")
            #expect(error.description == "\(name) (\(code))")
        }
    }

    @Test("every code from -1 to the last is known, once, with a distinct name; later codes keep their number")
    func vocabularyIsComplete() {
        let all = KafkaErrorCode.allKnown
        #expect(all.map(\.rawValue) == Array(-1...133))
        #expect(Set(all.map(\.name)).count == all.count)
        #expect(all.allSatisfy { $0.name.allSatisfy { $0.isUppercase || $0 == "_" } })
        let newer = KafkaErrorCode(134)
        #expect(!newer.isKnown && newer.name == "UNKNOWN_CODE" && newer.rawValue == 134 && !newer.isRetriable)
        #expect(KafkaErrorCode(rawValue: -2).description == "UNKNOWN_CODE (-2)")
    }

    @Test("the members the broker and client use name the codes they always meant")
    func memberNames() {
        let members: [(KafkaErrorCode, Int16)] = [
            (.none, 0), (.invalidConfig, 40), (.kafkaStorageError, 56), (.unknownTopicOrPartition, 3),
            (.unknownServerError, -1), (.invalidTopicException, 17), (.notLeaderOrFollower, 6),
            (.duplicateSequenceNumber, 46), (.memberIdRequired, 79), (.unknownTopicId, 100),
        ]
        for (member, code) in members { #expect(member.rawValue == code, "\(member)") }
    }
}
