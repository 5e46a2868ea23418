import SpoolProtocol

/// DescribeCluster (60): the cluster id and this broker, which is also the controller. Spool is its own
/// controller, so asking for controllers (endpoint type 2, v1) names the same node.
struct DescribeClusterHandler: KafkaResponseHandler {
    // Every version the generated codecs have, as for the other admin APIs.
    static let versions: ClosedRange<Int16> = 0...1

    let cluster: ClusterIdentity

    func respond(_ request: DescribeClusterRequest, context: RequestContext)
        -> DescribeClusterResponse
    {
        let address = cluster.advertisedAddress(for: context.session.listenerName)
        var response = DescribeClusterResponse(
            errorCode: 0, errorMessage: nil, clusterId: cluster.clusterId, controllerId: cluster.nodeId,
            brokers: [.init(brokerId: cluster.nodeId, host: address.host, port: Int32(address.port), rack: nil)])
        // The endpoint type exists from v1 only; v0 must keep the default.
        if context.version >= 1 { response.endpointType = request.endpointType }
        if let denial = context.denial(.describe, .cluster) {
            return DescribeClusterResponse(errorCode: denial.rawValue, errorMessage: "not authorized to DESCRIBE the cluster")
        }
        return response
    }
}
