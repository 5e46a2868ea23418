// The client speaks the one Kafka error vocabulary of SpoolProtocol; re-exported so that users of SpoolClient
// name `KafkaErrorCode` without importing the codec module.
@_exported import struct SpoolProtocol.KafkaErrorCode

extension KafkaErrorCode {
    /// Whether this client retries the code: Kafka's retriable codes, and two it retries beyond them.
    /// BROKER_NOT_AVAILABLE is what a restarting single broker answers, and MEMBER_ID_REQUIRED asks the
    /// consumer to join again with the member id it was given.
    var isRetriedByClient: Bool { isRetriable || self == .brokerNotAvailable || self == .memberIdRequired }
}
