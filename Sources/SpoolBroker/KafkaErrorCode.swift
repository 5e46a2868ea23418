/// The Kafka error codes Spool answers with (Kafka's `Errors` numbering).
enum KafkaErrorCode: Int16, Sendable {
    case none = 0
    case offsetOutOfRange = 1
    case corruptMessage = 2
    case unknownTopicOrPartition = 3
    case invalidFetchSize = 4
    case leaderNotAvailable = 5
    case notLeaderOrFollower = 6
    case requestTimedOut = 7
    case messageTooLarge = 10
    case invalidTopicException = 17
    case recordListTooLarge = 18
    case invalidRequiredAcks = 21
    case invalidTimestamp = 32
    case unsupportedVersion = 35
    case topicAlreadyExists = 36
    case invalidPartitions = 37
    case invalidReplicationFactor = 38
    case invalidReplicaAssignment = 39
    case invalidConfig = 40
    case invalidRequest = 42
    case unsupportedForMessageFormat = 43
    case outOfOrderSequenceNumber = 45
    case duplicateSequenceNumber = 46
    case invalidProducerEpoch = 47
    case unsupportedCompressionType = 76
    case kafkaStorageError = 56
    case unknownServerError = -1
    case invalidRecord = 87
    case unknownTopicId = 100
}
