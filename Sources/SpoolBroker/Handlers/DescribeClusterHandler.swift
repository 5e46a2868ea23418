import SpoolProtocol

/// DescribeCluster (60): the cluster id and this broker, which is also the controller. Spool is its own
/// controller, so asking for controllers (endpoint type 2, v1) names the same node.
enum DescribeClusterHandler {
    static func handle(_ request: DescribeClusterRequest, context: RequestContext, broker: BrokerState)
        -> DescribeClusterResponse
    {
        let address = broker.advertisedAddress
        var response = DescribeClusterResponse(
            errorCode: 0, errorMessage: nil, clusterId: broker.clusterId, controllerId: broker.nodeId,
            brokers: [.init(brokerId: broker.nodeId, host: address.host, port: Int32(address.port), rack: nil)])
        // The endpoint type exists from v1 only; v0 must keep the default.
        if context.version >= 1 { response.endpointType = request.endpointType }
        return response
    }
}
