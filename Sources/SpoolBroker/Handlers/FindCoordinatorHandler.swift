import SpoolProtocol

/// FindCoordinator (10): this broker coordinates every consumer and share group (clients ask for both with key
/// type 0), every transactional id (key type 1) and every share partition (key type 2,
/// "group:topicId:partition", KIP-932). Other key types have no coordinator here. v4+ asks for several keys at
/// once.
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

    let cluster: ClusterIdentity

    func respond(_ request: FindCoordinatorRequest, context: RequestContext)
        -> FindCoordinatorResponse
    {
        let (error, message) = refusal(request, context: context)
        let address = cluster.advertisedAddress(for: context.session.listenerName)
        var response = FindCoordinatorResponse()
        if context.version >= 4 {
            response.coordinators = request.coordinatorKeys.map { key in
                let refused = error ?? denial(key, request.keyType, context: context)
                    ?? (GroupRequests.withinLimit(key) ? nil : .coordinatorNotAvailable)
                guard let refused else {
                    return .init(key: key, nodeId: cluster.nodeId, host: address.host, port: Int32(address.port))
                }
                return .init(key: key, nodeId: -1, host: "", port: -1, errorCode: refused.rawValue,
                             errorMessage: message)
            }
        } else if let error = error ?? denial(request.key, request.keyType, context: context) {
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

    /// The authorization error for one key: DESCRIBE on the group or transactional id (CLUSTER_ACTION on the
    /// cluster for share partitions, which only brokers ask for), nil when allowed.
    private func denial(_ key: String, _ keyType: Int8, context: RequestContext) -> KafkaErrorCode? {
        switch KeyType(rawValue: keyType) {
        case .group: context.denial(.describe, .group(key))
        case .transaction: context.denial(.describe, .transactionalId(key))
        case .share: context.denial(.clusterAction, .cluster)
        case nil: nil
        }
    }

    /// The error for every key of `request`, or nil for the key types this broker coordinates.
    private func refusal(_ request: FindCoordinatorRequest, context: RequestContext)
        -> (KafkaErrorCode?, String?)
    {
        switch KeyType(rawValue: request.keyType) {
        case .group, .share, .transaction:
            return (nil, nil)
        case nil:
            return (.coordinatorNotAvailable, "Spool has no coordinator of key type \(request.keyType)")
        }
    }
}
