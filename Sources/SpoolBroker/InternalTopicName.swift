import SpoolProtocol

/// The `__` prefix Kafka keeps for its internal topics (`__consumer_offsets`, `__transaction_state`,
/// `__share_group_state`). Spool keeps group offsets in its metadata store, so no such topic exists here; a user
/// topic by one of those names (made by `kcat -L -t __consumer_offsets` auto-creating it) would take writes that
/// lag tools never read. So such names are never created, by request or automatically, and never appended to.
///
/// Topics with such names left by an older Spool stay readable (their data is the user's), but take no writes.
/// Stateless.
enum InternalTopicName {
    static let reservedPrefix = "__"

    /// Whether `name` lies in the reserved namespace.
    static func isReserved(_ name: String) -> Bool {
        name.hasPrefix(reservedPrefix)
    }

    /// Refuses to create `name` when it is reserved, as INVALID_TOPIC_EXCEPTION (Kafka's answer for names it
    /// will not take).
    static func checkCreatable(_ name: String) throws(BrokerError) {
        try refuse(name, "topic \"\(name)\" cannot be created")
    }

    /// Refuses an append to `name` when it is reserved, with Kafka's code and words for appends to internal topics.
    static func checkWritable(_ name: String) throws(BrokerError) {
        try refuse(name, "cannot append to internal topic \(name)")
    }

    private static func refuse(_ name: String, _ what: String) throws(BrokerError) {
        guard isReserved(name) else { return }
        throw BrokerError(
            code: .invalidTopicException,
            message: "\(what): names starting with \"\(reservedPrefix)\" are reserved for Kafka's internal topics "
                + "(such as __consumer_offsets)")
    }
}
