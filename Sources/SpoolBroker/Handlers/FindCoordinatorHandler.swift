import SpoolProtocol

/// FindCoordinator (10): this broker coordinates every consumer group. Transaction coordinators (key type 1)
/// are not available: Spool has no transactions yet. v4+ asks for several keys at once.
struct FindCoordinatorHandler: KafkaResponseHandler {
    // Consumer groups (classic protocol). librdkafka enables groups only when FindCoordinator, OffsetCommit,
    // OffsetFetch, JoinGroup, SyncGroup, Heartbeat and LeaveGroup are all advertised; aiokafka sends v0–v3.
    static let versions: ClosedRange<Int16> = 0...6

    let cluster: ClusterIdentity

    func respond(_ request: FindCoordinatorRequest, context: RequestContext)
        -> FindCoordinatorResponse
    {
        let address = cluster.advertisedAddress
        let error: KafkaErrorCode = request.keyType == 0 ? .none : .coordinatorNotAvailable
        var response = FindCoordinatorResponse()
        if context.version >= 4 {
            response.coordinators = request.coordinatorKeys.map { key in
                let known = error == .none && GroupRequests.withinLimit(key)
                return FindCoordinatorResponse.Coordinator(
                    key: key, nodeId: known ? cluster.nodeId : -1, host: known ? address.host : "",
                    port: known ? Int32(address.port) : -1,
                    errorCode: known ? 0 : KafkaErrorCode.coordinatorNotAvailable.rawValue)
            }
        } else {
            response.errorCode = error.rawValue
            response.nodeId = error == .none ? cluster.nodeId : -1
            response.host = error == .none ? address.host : ""
            response.port = error == .none ? Int32(address.port) : -1
        }
        return response
    }
}
