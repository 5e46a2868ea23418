import Logging
import NIOCore
import SpoolProtocol

/// Why a connection is closed instead of answered (Kafka closes on these too).
struct ConnectionError: Error, CustomStringConvertible {
    let description: String
}

/// The versions Spool answers, per API. Minimums stay low because old librdkafka enables features by
/// testing single versions (Produce 0 for compression, ListOffsets 1 for offsets_for_times); versions that
/// need topic IDs in requests (Produce 13, Fetch 13+) are not advertised.
enum SupportedVersions {
    static let table: [ApiKey: ClosedRange<Int16>] = [
        .produce: 0...11,
        .fetch: 4...12,
        .listOffsets: 0...7,
        .metadata: 0...12,
        .apiVersions: 0...4,
        .initProducerId: 0...5,
        .offsetForLeaderEpoch: 0...4,
        .deleteRecords: 0...2,
        // Admin APIs: every version the generated codecs have (topic IDs exist, so CreateTopics 7 and
        // DeleteTopics 6 are fine).
        .createTopics: 0...7,
        .deleteTopics: 0...6,
        .createPartitions: 0...3,
        .describeConfigs: 0...4,
        .incrementalAlterConfigs: 0...1,
        .describeCluster: 0...1,
        // Consumer groups (classic protocol). librdkafka enables groups only when FindCoordinator, OffsetCommit,
        // OffsetFetch, JoinGroup, SyncGroup, Heartbeat and LeaveGroup are all advertised; aiokafka sends v0–v3.
        .findCoordinator: 0...6,
        .joinGroup: 0...9,
        .syncGroup: 0...5,
        .heartbeat: 0...4,
        .leaveGroup: 0...5,
        .offsetCommit: 0...9,
        .offsetFetch: 0...9,
        .describeGroups: 0...5,
        .listGroups: 0...5,
        .deleteGroups: 0...2,
        .offsetDelete: 0...0,
    ]

    static func range(_ key: ApiKey) -> ClosedRange<Int16>? { table[key] }
}

/// Turns one request frame into a reply: parses the header, checks the API and version, decodes the body
/// and hands it to the API's handler. Thread-safe (immutable; handlers share the broker's state).
final class RequestRouter: Sendable {
    let broker: BrokerState

    init(broker: BrokerState) {
        self.broker = broker
    }

    /// - Throws: `ConnectionError` (or a protocol error) when the connection must be closed.
    func handle(frame: ByteBuffer, remote: String, gate: RequestGate, eventLoop: any EventLoop) async throws
        -> KafkaReply
    {
        var buffer = frame
        let header = try RequestHeader.parse(from: &buffer)
        guard let apiKey = ApiKey(rawValue: header.requestApiKey), let supported = SupportedVersions.range(apiKey) else {
            throw ConnectionError(description: "unsupported API key \(header.requestApiKey) from \(remote)")
        }
        let version = header.requestApiVersion
        guard supported.contains(version) else {
            if apiKey == .apiVersions { return try ApiVersionsHandler.unsupportedVersion(header: header) }
            throw ConnectionError(
                description: "unsupported version \(version) of \(apiKey.name) (Spool answers \(supported)) from \(remote)")
        }
        broker.metrics.request(apiKey)
        let body = try KafkaCodec.decodeRequestBody(from: &buffer, header: header).body
        let context = RequestContext(
            header: header, version: version, remote: remote, gate: gate, eventLoop: eventLoop)
        switch body {
        case let request as ApiVersionsRequest:
            return try reply(ApiVersionsHandler.handle(request, version: version), context)
        case let request as MetadataRequest:
            return try reply(await MetadataHandler.handle(request, context: context, broker: broker), context)
        case let request as ProduceRequest:
            guard let response = await ProduceHandler(partitions: broker.partitions).handle(request, context: context) else {
                return .none
            }
            return try reply(response, context)
        case let request as FetchRequest:
            return try await FetchHandler(partitions: broker.partitions).handle(request, context: context)
        case let request as ListOffsetsRequest:
            return try reply(await ListOffsetsHandler(partitions: broker.partitions).handle(request, context: context), context)
        case let request as InitProducerIdRequest:
            return try reply(await InitProducerIdHandler.handle(request, context: context, broker: broker), context)
        case let request as OffsetForLeaderEpochRequest:
            return try reply(OffsetForLeaderEpochHandler(partitions: broker.partitions).handle(request, context: context), context)
        case let request as DeleteRecordsRequest:
            return try reply(await DeleteRecordsHandler(partitions: broker.partitions).handle(request, context: context), context)
        case let request as CreateTopicsRequest:
            return try reply(await CreateTopicsHandler.handle(request, context: context, broker: broker), context)
        case let request as DeleteTopicsRequest:
            return try reply(await DeleteTopicsHandler.handle(request, context: context, broker: broker), context)
        case let request as CreatePartitionsRequest:
            return try reply(await CreatePartitionsHandler.handle(request, context: context, broker: broker), context)
        case let request as DescribeConfigsRequest:
            return try reply(await DescribeConfigsHandler.handle(request, context: context, broker: broker), context)
        case let request as IncrementalAlterConfigsRequest:
            return try reply(
                await IncrementalAlterConfigsHandler.handle(request, context: context, broker: broker), context)
        case let request as DescribeClusterRequest:
            return try reply(DescribeClusterHandler.handle(request, context: context, broker: broker), context)
        case let request as FindCoordinatorRequest:
            return try reply(FindCoordinatorHandler.handle(request, context: context, broker: broker), context)
        case let request as JoinGroupRequest:
            return try reply(await JoinGroupHandler.handle(request, context: context, broker: broker), context)
        case let request as SyncGroupRequest:
            return try reply(await SyncGroupHandler.handle(request, context: context, broker: broker), context)
        case let request as HeartbeatRequest:
            return try reply(HeartbeatHandler.handle(request, context: context, broker: broker), context)
        case let request as LeaveGroupRequest:
            return try reply(LeaveGroupHandler.handle(request, context: context, broker: broker), context)
        case let request as OffsetCommitRequest:
            return try reply(await OffsetCommitHandler.handle(request, context: context, broker: broker), context)
        case let request as OffsetFetchRequest:
            return try reply(await OffsetFetchHandler.handle(request, context: context, broker: broker), context)
        case let request as DescribeGroupsRequest:
            return try reply(DescribeGroupsHandler.handle(request, context: context, broker: broker), context)
        case let request as ListGroupsRequest:
            return try reply(ListGroupsHandler.handle(request, context: context, broker: broker), context)
        case let request as DeleteGroupsRequest:
            return try reply(await DeleteGroupsHandler.handle(request, context: context, broker: broker), context)
        case let request as OffsetDeleteRequest:
            return try reply(await OffsetDeleteHandler.handle(request, context: context, broker: broker), context)
        default:
            throw ConnectionError(description: "no handler for \(apiKey.name)")
        }
    }

    private func reply<Response: KafkaResponseMessage>(_ response: Response, _ context: RequestContext) throws
        -> KafkaReply
    {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeResponse(
            response, version: context.version, correlationId: context.header.correlationId, into: &buffer)
        return .frame(buffer)
    }
}

/// What a handler knows of the request besides its body.
struct RequestContext: Sendable {
    let header: RequestHeader
    let version: Int16
    let remote: String
    /// Opened when the request's ordered part is done (the next request on the connection may start).
    let gate: RequestGate
    /// The connection's event loop: where the request's delayed operations (waits) live.
    let eventLoop: any EventLoop
}
