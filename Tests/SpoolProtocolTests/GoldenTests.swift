import Foundation
import NIOCore
import SpoolRecords
import Testing
@testable import SpoolProtocol

/// One captured request frame body (see Fixtures/capture.py and Fixtures/README.md).
struct GoldenFrame: CustomTestStringConvertible, Sendable {
    let client: String
    let name: String
    let bytes: ByteBuffer
    var testDescription: String { "\(client)/\(name)" }

    static let directory = packageRoot.appendingPathComponent("Tests/SpoolProtocolTests/Fixtures/golden")
    static let responseDirectory = packageRoot.appendingPathComponent(
        "Tests/SpoolProtocolTests/Fixtures/golden-responses")

    /// The API key and version in a fixture's name, e.g. `03-Metadata-v12.bin`.
    var keyAndVersion: (key: Int16, version: Int16)? {
        let parts = name.dropLast(4).split(separator: "-")
        guard let key = parts.first.flatMap({ Int16($0) }), let last = parts.last, last.hasPrefix("v"),
            let version = Int16(last.dropFirst())
        else { return nil }
        return (key, version)
    }

    static func all(in directory: URL = directory) -> [GoldenFrame] {
        let manager = FileManager.default
        let clients = (try? manager.contentsOfDirectory(atPath: directory.path).sorted()) ?? []
        return clients.flatMap { client -> [GoldenFrame] in
            let folder = directory.appendingPathComponent(client)
            let names =
                (try? manager.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".bin") }.sorted()) ?? []
            return names.compactMap { name in
                guard let data = manager.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
                return GoldenFrame(client: client, name: name, bytes: ByteBuffer(bytes: data))
            }
        }
    }
}

/// Re-encodes a decoded request (header + body) the way the client framed it.
func reencode(_ request: KafkaRequest) throws -> ByteBuffer {
    var out = ByteBuffer()
    try request.header.encode(into: &out, version: request.apiKey.requestHeaderVersion(for: request.version))
    try request.body.encode(into: &out, version: request.version)
    return out
}

@Suite("Golden bytes from real clients")
struct GoldenTests {
    /// Proves the response codecs read and write exactly the answers that real clients accepted from the
    /// capture script's fake broker (header v0, or v1 for flexible versions except ApiVersions).
    @Test(arguments: GoldenFrame.all(in: GoldenFrame.responseDirectory))
    func responsesClientsAccepted(_ frame: GoldenFrame) throws {
        let (key, version) = try #require(frame.keyAndVersion)
        let apiKey = try #require(ApiKey(rawValue: key))
        var buffer = frame.bytes
        let header = try ResponseHeader(from: &buffer, version: apiKey.responseHeaderVersion(for: version))
        let body = try apiKey.responseType.init(from: &buffer, version: version)
        #expect(buffer.readableBytes == 0)
        var out = ByteBuffer()
        try header.encode(into: &out, version: apiKey.responseHeaderVersion(for: version))
        try body.encode(into: &out, version: version)
        #expect(out == frame.bytes)
    }

    /// Proves the fixtures are there: 51 requests from four clients covering 13 APIs.
    @Test func fixturesPresent() {
        let frames = GoldenFrame.all()
        #expect(frames.count >= 51)
        #expect(Set(frames.map { $0.name.prefix(2) }).count >= 13)
    }

    /// Proves every captured request decodes completely and re-encodes to exactly the client's bytes.
    @Test(arguments: GoldenFrame.all())
    func decodesAndReencodesExactly(_ frame: GoldenFrame) throws {
        let request = try KafkaCodec.decodeRequest(frame.bytes)
        #expect(try reencode(request) == frame.bytes)
        #expect(request.header.clientId?.isEmpty == false)
        // The framed form goes through the frame reader unchanged.
        var wire = ByteBuffer()
        wire.writeInteger(Int32(frame.bytes.readableBytes))
        wire.writeImmutableBuffer(frame.bytes)
        #expect(try KafkaFraming.readFrame(from: &wire) == frame.bytes)
    }

    private func request<T: KafkaRequestMessage>(_ client: String, _ name: String, as type: T.Type) throws -> T {
        let frame = try #require(GoldenFrame.all().first { $0.client.hasPrefix(client) && $0.name == name })
        let decoded = try KafkaCodec.decodeRequest(frame.bytes)
        return try #require(decoded.body as? T)
    }

    /// Proves the produce requests carry one valid compressed batch of three records from an idempotent
    /// producer, in all four codecs: gzip (kcat), zstd with headers (confluent-kafka), xerial-framed snappy
    /// (kafka-python) and lz4 (aiokafka).
    @Test(arguments: [
        ("librdkafka-2.0.2", "00-Produce-v7.bin", 1, "record 0 spool"),
        ("librdkafka-2.16", "00-Produce-v9.bin", 4, "value-0"),
        ("kafka-python", "00-Produce-v9.bin", 2, "kafka-python kafka-python"),
        ("aiokafka", "00-Produce-v7.bin", 3, "aiokafka aiokafka"),
    ])
    func produceCarriesCompressedBatches(client: String, name: String, codec: Int, firstValue: String) throws {
        do {
            let produce = try request(client, name, as: ProduceRequest.self)
            #expect(produce.acks == -1)
            #expect(produce.topicData.map(\.name) == ["golden"])
            let records = try #require(produce.topicData.first?.partitionData.first?.records)
            let batches = try RecordBatch.split(records)
            #expect(batches.count == 1)
            let batch = try #require(batches.first)
            try batch.validate()
            #expect(batch.compressionCodec == codec)
            #expect(batch.recordsCount == 3)
            #expect(batch.producerId == 1000)
            #expect(batch.baseSequence == 0)
            // The clients' own compressed bytes decompress through Spool's codecs to the records they sent.
            var reader = try batch.decompressedRecordReader()
            var values: [String] = []
            while let record = try reader.next() { values.append(record.value.map { String(buffer: $0) } ?? "") }
            #expect(values.count == 3)
            #expect(values.first?.hasPrefix(firstValue) == true)
        }
    }

    /// Proves the group-membership requests decode to the values the clients were configured with.
    @Test func groupRequests() throws {
        let join = try request("librdkafka-2.16", "11-JoinGroup-v5.bin", as: JoinGroupRequest.self)
        #expect(join.groupId == "golden-group")
        #expect(join.protocolType == "consumer")
        #expect(join.memberId == "")
        #expect(join.protocols.map(\.name).contains("range"))
        // Member metadata is a ConsumerProtocolSubscription prefixed by its own int16 version.
        var metadata = try #require(join.protocols.first?.metadata)
        let subscriptionVersion = try metadata.readKafkaInteger(as: Int16.self)
        let subscription = try ConsumerProtocolSubscription(decoding: metadata, version: subscriptionVersion)
        #expect(subscription.topics == ["golden"])
        let sync = try request("librdkafka-2.16", "14-SyncGroup-v3.bin", as: SyncGroupRequest.self)
        #expect(sync.generationId == 1)
        #expect(sync.memberId == "member-1")
        let commit = try request("librdkafka-2.16", "08-OffsetCommit-v8.bin", as: OffsetCommitRequest.self)
        #expect(commit.topics.first?.partitions.first?.committedOffset == 3)
        let find = try request("librdkafka-2.0.2", "10-FindCoordinator-v2.bin", as: FindCoordinatorRequest.self)
        #expect(find.key == "golden-group")
    }

    /// Proves the fetch-side requests decode: librdkafka never uses fetch sessions (id 0, epoch -1).
    @Test func fetchRequests() throws {
        let fetch = try request("librdkafka-2.16", "01-Fetch-v12.bin", as: FetchRequest.self)
        #expect(fetch.sessionId == 0)
        #expect(fetch.sessionEpoch == -1)
        #expect(fetch.topics.map(\.topic) == ["golden"])
        let list = try request("librdkafka-2.0.2", "02-ListOffsets-v2.bin", as: ListOffsetsRequest.self)
        #expect(list.topics.first?.partitions.first?.timestamp == -2)
        let versions = try request("librdkafka-2.16", "18-ApiVersions-v3.bin", as: ApiVersionsRequest.self)
        #expect(versions.clientSoftwareName == "confluent-kafka-python")
    }
}
