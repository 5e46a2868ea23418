import SpoolProtocol

extension Admin {
    /// Asks a broker for the API versions it supports (ApiVersions), as a fresh request rather than the ones
    /// its connection negotiated, so that a health check proves the broker answers now.
    /// - Parameter node: the broker's node id, or nil for any broker.
    /// - Returns: per API key, the versions the broker supports.
    /// - Throws: `SpoolClientError` when the broker does not answer in time or answers with an error.
    public func apiVersions(node: Int32? = nil) async throws(SpoolClientError) -> [Int16: ClosedRange<Int16>] {
        let response = try await client.send(to: node, maximumVersion: 3, as: ApiVersionsResponse.self) { _ in
            ApiVersionsRequest(clientSoftwareName: "spool-client", clientSoftwareVersion: "0.1")
        }
        guard response.errorCode == 0 else { throw .kafka(KafkaErrorCode(response.errorCode), "ApiVersions") }
        return Dictionary(
            response.apiKeys.map { ($0.apiKey, $0.minVersion...$0.maxVersion) }, uniquingKeysWith: { $1 })
    }
}
