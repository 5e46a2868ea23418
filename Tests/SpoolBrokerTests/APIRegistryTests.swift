import NIOCore
import NIOPosix
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// Answers in the handler's place with the API and version dispatch reached it with, so that every version
/// of every API can be dispatched without acting on the broker.
struct AnsweringMiddleware: RequestMiddleware {
    func handle(_ request: any KafkaRequestMessage, context: RequestContext, next: Next) async throws -> KafkaReply {
        .frame(ByteBuffer(string: Self.marker(type(of: request).apiKey, context.version)))
    }

    static func marker(_ key: ApiKey, _ version: Int16) -> String { "\(key.name)/\(version)" }
}

@Suite struct APIRegistryTests {
    @Test("ApiVersions lists exactly the registry, and dispatch accepts exactly what ApiVersions lists")
    func apiVersionsAndDispatchAgree() async throws {
        let broker = try await RoutedBroker()
        let registry = broker.router.registry
        let answered = try await broker.call(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self)
        #expect(answered.errorCode == 0)
        #expect(Self.listed(answered) == registry.advertised)
        #expect(registry.advertised.count > 20)

        let dispatcher = RequestDispatcher(registry: registry, middleware: [AnsweringMiddleware()])
        for key in ApiKey.allCases {
            guard let versions = registry.versions(of: key) else {
                await #expect(throws: ConnectionError.self, "\(key.name) is not registered") {
                    try await Self.dispatch(Self.headerOnly(key, version: 0), dispatcher)
                }
                continue
            }
            let request = try #require(Self.sample(key), "no sample request for \(key.name)")
            for version in versions {
                let reply = try await Self.dispatch(Self.frame(request, version: version), dispatcher)
                guard case .frame(let buffer) = reply else {
                    Issue.record("\(key.name) v\(version) was not answered by the middleware")
                    continue
                }
                #expect(String(buffer: buffer) == AnsweringMiddleware.marker(key, version))
            }
            let outside = [versions.lowerBound - 1, versions.upperBound + 1]
            for version in outside where version >= 0 && key != .apiVersions {
                await #expect(throws: ConnectionError.self, "\(key.name) v\(version) is not advertised") {
                    try await Self.dispatch(Self.headerOnly(key, version: version), dispatcher)
                }
            }
        }
        try await broker.stop()
    }

    @Test("ApiVersions at a version Spool does not answer gets error 35 and the registry, in a v0 body")
    func apiVersionsUnsupportedVersion() async throws {
        let broker = try await RoutedBroker()
        let registry = broker.router.registry
        let version = try #require(registry.versions(of: .apiVersions)).upperBound + 1
        // A newer client's request: the codec has no such version, so a known one is relabelled.
        var frame = try Self.frame(ApiVersionsRequest(), version: 3)
        frame.setInteger(version, at: frame.readerIndex + 2)
        let reply = try await Self.dispatch(frame, broker.router)
        guard case .frame(var buffer) = reply else { throw RoutedBroker.UnexpectedReply() }
        buffer.moveReaderIndex(forwardBy: 4)
        let (_, response) = try KafkaCodec.decodeResponse(buffer, as: ApiVersionsResponse.self, version: 0)
        #expect(response.errorCode == KafkaErrorCode.unsupportedVersion.rawValue)
        #expect(Self.listed(response) == registry.advertised)
        try await broker.stop()
    }

    static func listed(_ response: ApiVersionsResponse) -> [ApiKey: ClosedRange<Int16>] {
        var listed: [ApiKey: ClosedRange<Int16>] = [:]
        for api in response.apiKeys {
            guard let key = ApiKey(rawValue: api.apiKey) else {
                Issue.record("ApiVersions lists unknown API key \(api.apiKey)")
                continue
            }
            listed[key] = api.minVersion...api.maxVersion
        }
        return listed
    }

    static func dispatch(_ frame: ByteBuffer, _ dispatcher: RequestDispatcher) async throws -> KafkaReply {
        try await dispatcher.handle(
            frame: frame, session: ConnectionSession(remote: "test"),
            eventLoop: NIOSingletons.posixEventLoopGroup.next(),
            gate: RequestGate())
    }

    /// A request frame without its size prefix, as dispatch gets it.
    static func frame(_ request: some KafkaRequestMessage, version: Int16) throws -> ByteBuffer {
        var frame = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeRequest(request, version: version, correlationId: 7, clientId: "test", into: &frame)
        frame.moveReaderIndex(forwardBy: 4)
        return frame
    }

    /// A header and no body: dispatch must close before it looks for one. The zero byte is the flexible
    /// header's empty tagged fields (or, for other versions, a byte of body never read).
    static func headerOnly(_ key: ApiKey, version: Int16) throws -> ByteBuffer {
        var frame = ByteBufferAllocator().buffer(capacity: 32)
        let header = RequestHeader(
            requestApiKey: key.rawValue, requestApiVersion: version, correlationId: 7, clientId: "t")
        try header.encode(into: &frame, version: 1)
        frame.writeInteger(UInt8(0))
        return frame
    }

    /// A request with every field at its default, for each API the broker registers.
    static func sample(_ key: ApiKey) -> (any KafkaRequestMessage)? {
        switch key {
        case .produce: ProduceRequest()
        case .fetch: FetchRequest()
        case .listOffsets: ListOffsetsRequest()
        case .metadata: MetadataRequest()
        case .apiVersions: ApiVersionsRequest()
        case .initProducerId: InitProducerIdRequest()
        case .addPartitionsToTxn: AddPartitionsToTxnRequest()
        case .addOffsetsToTxn: AddOffsetsToTxnRequest()
        case .endTxn: EndTxnRequest()
        case .txnOffsetCommit: TxnOffsetCommitRequest()
        case .describeTransactions: DescribeTransactionsRequest()
        case .listTransactions: ListTransactionsRequest()
        case .describeProducers: DescribeProducersRequest()
        case .offsetForLeaderEpoch: OffsetForLeaderEpochRequest()
        case .deleteRecords: DeleteRecordsRequest()
        case .createTopics: CreateTopicsRequest()
        case .deleteTopics: DeleteTopicsRequest()
        case .createPartitions: CreatePartitionsRequest()
        case .describeConfigs: DescribeConfigsRequest()
        case .incrementalAlterConfigs: IncrementalAlterConfigsRequest()
        case .alterConfigs: AlterConfigsRequest()
        case .describeLogDirs: DescribeLogDirsRequest()
        case .describeCluster: DescribeClusterRequest()
        case .findCoordinator: FindCoordinatorRequest()
        case .joinGroup: JoinGroupRequest()
        case .syncGroup: SyncGroupRequest()
        case .heartbeat: HeartbeatRequest()
        case .leaveGroup: LeaveGroupRequest()
        case .offsetCommit: OffsetCommitRequest()
        case .offsetFetch: OffsetFetchRequest()
        case .describeGroups: DescribeGroupsRequest()
        case .listGroups: ListGroupsRequest()
        case .deleteGroups: DeleteGroupsRequest()
        case .offsetDelete: OffsetDeleteRequest()
        case .saslHandshake: SaslHandshakeRequest()
        case .saslAuthenticate: SaslAuthenticateRequest()
        case .createAcls: CreateAclsRequest()
        case .describeAcls: DescribeAclsRequest()
        case .deleteAcls: DeleteAclsRequest()
        case .shareGroupHeartbeat: ShareGroupHeartbeatRequest()
        case .shareGroupDescribe: ShareGroupDescribeRequest()
        case .shareFetch: ShareFetchRequest()
        case .shareAcknowledge: ShareAcknowledgeRequest()
        case .describeShareGroupOffsets: DescribeShareGroupOffsetsRequest()
        case .alterShareGroupOffsets: AlterShareGroupOffsetsRequest()
        case .deleteShareGroupOffsets: DeleteShareGroupOffsetsRequest()
        case .describeUserScramCredentials: DescribeUserScramCredentialsRequest()
        case .alterUserScramCredentials: AlterUserScramCredentialsRequest()
        default: nil
        }
    }
}
