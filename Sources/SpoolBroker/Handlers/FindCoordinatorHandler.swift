import SpoolProtocol

/// FindCoordinator (10): this broker coordinates every consumer and share group (clients ask for both with key
/// type 0), and every share partition (key type 2, "group:topicId:partition", KIP-932). Transaction keys (key
/// type 1) are refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal at once: Spool
/// has no transactions yet. Other key types have no coordinator here. v4+ asks for several keys at once.
struct FindCoordinatorHandler: KafkaResponseHandler {
    // Consumer groups (classic protocol). librdkafka enables groups only when FindCoordinator, OffsetCommit,
    // OffsetFetch, JoinGroup, SyncGroup, Heartbeat and LeaveGroup are all advertised; aiokafka sends v0–v3.
    static let versions: ClosedRange<Int16> = 0...6

    /// Kafka's `CoordinatorType`.
    private enum KeyType: Int8 {
        case group = 0
        case transaction = 1
        /// A share partition's share coordinator; Kafka's brokers ask, share consumers do not.
        case share = 2
    }

    /// Why a transactional producer is refused; clients show it with the error.
    static let transactionsUnsupported = "transactions are not supported by Spool: "
        + "produce without transactional.id (enable.idempotence still keeps retries from duplicating records)"

    let cluster: ClusterIdentity

    func respond(_ request: FindCoordinatorRequest, context: RequestContext)
        -> FindCoordinatorResponse
    {
        let (error, message) = refusal(request, context: context)
        let address = cluster.advertisedAddress
        var response = FindCoordinatorResponse()
        if context.version >= 4 {
            response.coordinators = request.coordinatorKeys.map { key in
                let refused = error ?? (GroupRequests.withinLimit(key) ? nil : .coordinatorNotAvailable)
                guard let refused else {
                    return .init(key: key, nodeId: cluster.nodeId, host: address.host, port: Int32(address.port))
                }
                return .init(key: key, nodeId: -1, host: "", port: -1, errorCode: refused.rawValue,
                             errorMessage: message)
            }
        } else if let error {
            response.errorCode = error.rawValue
            if context.version >= 1 { response.errorMessage = message }
            response.nodeId = -1
            response.port = -1
        } else {
            response.nodeId = cluster.nodeId
            response.host = address.host
            response.port = Int32(address.port)
        }
        return response
    }

    /// The error for every key of `request`, or nil for group keys, which this broker coordinates.
    ///
    /// Transaction keys get TRANSACTIONAL_ID_AUTHORIZATION_FAILED because it is the one answer clients stop
    /// on at once. librdkafka 2.16 (confluent-kafka 2.16.1; `rd_kafka_txn_handle_FindCoordinator` in
    /// rdkafka_txnmgr.c) makes it and CLUSTER_AUTHORIZATION_FAILED a fatal error that fails init_transactions
    /// with our message, and retries every other error (COORDINATOR_NOT_AVAILABLE, INVALID_REQUEST,
    /// UNSUPPORTED_VERSION) every 500 ms until the caller's timeout. The Java client's TransactionManager
    /// likewise turns it into a fatal TransactionalIdAuthorizationException. Cluster authorization would
    /// wrongly suggest a missing ACL for the whole cluster.
    private func refusal(_ request: FindCoordinatorRequest, context: RequestContext)
        -> (KafkaErrorCode?, String?)
    {
        switch KeyType(rawValue: request.keyType) {
        case .group, .share:
            return (nil, nil)
        case .transaction:
            let keys = context.version >= 4 ? request.coordinatorKeys : [request.key]
            context.refusals.refused(
                context, resource: "transactional id \(keys.joined(separator: ","))",
                code: .transactionalIdAuthorizationFailed, reason: Self.transactionsUnsupported)
            return (.transactionalIdAuthorizationFailed, Self.transactionsUnsupported)
        case nil:
            return (.coordinatorNotAvailable, "Spool has no coordinator of key type \(request.keyType)")
        }
    }
}
