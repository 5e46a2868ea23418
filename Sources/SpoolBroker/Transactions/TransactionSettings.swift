import SpoolProtocol

/// The transaction coordinator's settings, Kafka's names in brackets.
struct TransactionSettings: Sendable {
    /// The longest `transaction.timeout.ms` a producer may ask for (`transaction.max.timeout.ms`).
    var maxTimeoutMs: Int32 = 900_000
    /// How long an idle transactional id is kept (`transactional.id.expiration.ms`).
    var idExpirationMs: Int64 = 604_800_000
    /// Transactional ids kept at most (`transactional.id.max`, Spool's own): each costs a row and memory until it
    /// expires, so a client inventing ids cannot grow them without bound.
    var maximumIds = 100_000
    /// How often open transactions are checked for their timeout, and unfinished ones finished
    /// (`transaction.abort.timed.out.transaction.cleanup.interval.ms`).
    var cleanupIntervalMs: Int64 = 10_000

    init() {}

    init(configuration: BrokerConfiguration) {
        maxTimeoutMs = configuration.transactionMaxTimeoutMs
        idExpirationMs = configuration.transactionalIdExpirationMs
        maximumIds = configuration.transactionalIdMaximum
        cleanupIntervalMs = configuration.transactionCleanupIntervalMs
    }
}

/// The answer for a request whose producer epoch is not the transactional id's.
///
/// Kafka answers PRODUCER_FENCED (90) only to versions that know it (InitProducerId v4+, AddPartitionsToTxn v2+,
/// AddOffsetsToTxn v2+, EndTxn v2+) and INVALID_PRODUCER_EPOCH (47) to older ones. librdkafka 2.x treats both as
/// fatal fencing on these APIs, but on TxnOffsetCommit only 47 is fatal (90 would be merely abortable), so
/// TxnOffsetCommit always gets 47.
enum TransactionErrors {
    /// The fencing code for `api` at `version`.
    static func fenced(_ api: ApiKey, version: Int16) -> KafkaErrorCode {
        let firstWithFenced: Int16
        switch api {
        case .initProducerId: firstWithFenced = 4
        case .addPartitionsToTxn, .addOffsetsToTxn, .endTxn: firstWithFenced = 2
        default: return .invalidProducerEpoch
        }
        return version >= firstWithFenced ? .producerFenced : .invalidProducerEpoch
    }
}
