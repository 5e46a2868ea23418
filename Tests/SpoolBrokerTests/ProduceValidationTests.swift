import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords
import SpoolTestSupport
import Testing

/// Kafka's producer rules (LogValidator) against the real `spool serve` process: CRC-valid but malformed batches
/// are refused with their Kafka error code and appended nowhere, and librdkafka (kcat) consumes past them;
/// compressed batches from librdkafka itself still pass.
@Suite(.serialized) struct ProduceValidationTests {
    let kcat = "/usr/bin/kcat"

    @Test("a CRC-valid malformed batch gets its Kafka error, moves no offset, and kcat reads every good record after",
          arguments: MalformedBatch.allCases)
    func malformedBatchIsRefused(_ kind: MalformedBatch) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let broker = try await SeededBroker.start()
        let connection = try BlockingKafkaConnection(port: broker.port)
        let before = try logEndOffset(over: connection)
        let logMark = broker.logMark
        let response = try connection.roundTrip(
            SeededBroker.produce(kind.bytes, acks: -1), version: 9, as: ProduceResponse.self)
        let partition = try #require(response.responses.first?.partitionResponses.first)
        #expect(partition.errorCode == kind.expectedErrorCode, "\(kind): \(partition)")
        #expect(partition.baseOffset == -1, "\(kind): \(partition)")
        #expect(try await broker.waitForWarnings(for: connection, since: logMark) == 1, "\(broker.log(since: logMark))")
        #expect(try logEndOffset(over: connection) == before, "\(kind) moved the log end offset")
        // Appends one good batch after the attempt and checks that the log holds exactly the acknowledged batches.
        try await broker.expectServingWithDataIntact()
        // A consumer that stalled at a stored bad batch would never reach the end of the partition: bounded here.
        let consumed = try await run(
            kcat, ["-b", "127.0.0.1:\(broker.port)", "-C", "-t", SeededBroker.topic, "-o", "beginning", "-e", "-q",
                   "-f", "%s\\n"],
            timeout: .seconds(20))
        #expect(consumed.status == 0, "\(kind): \(consumed.stderr)")
        let expected = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "after", "the", "storm"]
        #expect(consumed.stdout == expected.map { $0 + "\n" }.joined(), "\(kind): \(consumed.stderr)")
        try await broker.stop()
    }

    @Test("batches librdkafka compresses with gzip, snappy, lz4 and zstd pass the checks and read back whole")
    func compressedBatchesFromLibrdkafkaPass() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let broker = try await RunningBroker()
        for codec in ["gzip", "snappy", "lz4", "zstd"] {
            let lines = (0..<2_000).map { "\(codec)-\($0)-" + String(repeating: "spool", count: $0 % 40) }
            let text = lines.joined(separator: "\n") + "\n"
            let produce = try await run(
                kcat, ["-b", broker.bootstrap, "-P", "-t", codec, "-z", codec, "-X", "acks=all", "-X", "linger.ms=20"],
                stdin: text)
            #expect(produce.status == 0 && !produce.stderr.contains("ERROR"), "\(codec): \(produce.stderr)")
            let consume = try await run(
                kcat, ["-b", broker.bootstrap, "-C", "-t", codec, "-o", "beginning", "-e", "-q"], timeout: .seconds(30))
            #expect(consume.stdout == text, "\(codec): \(consume.stderr)")
        }
        #expect(try await broker.stop() == 0)
    }

    /// The partition's log end offset, by ListOffsets for the latest offset (timestamp -1).
    private func logEndOffset(over connection: BlockingKafkaConnection) throws -> Int64 {
        let request = ListOffsetsRequest(
            replicaId: -1,
            topics: [.init(name: SeededBroker.topic, partitions: [.init(partitionIndex: 0, timestamp: -1)])])
        let response = try connection.roundTrip(request, version: 7, as: ListOffsetsResponse.self)
        let partition = try #require(response.topics.first?.partitions.first)
        try #require(partition.errorCode == 0, "ListOffsets: \(partition)")
        return partition.offset
    }
}
