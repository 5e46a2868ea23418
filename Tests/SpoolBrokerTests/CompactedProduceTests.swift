import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

/// Produce to a compacted topic against the real `spool serve`, with exact batches: Kafka's key rule.
@Suite struct CompactedProduceTests {
    /// Proves that once a topic's policy is altered to compact, a produce whose batch holds one keyless record
    /// among keyed ones (plain or compressed, and followed by a wholly keyed batch) is refused with INVALID_RECORD
    /// (87) and Kafka's message, logged once, and writes nothing; and that altering the policy back to delete at
    /// runtime lets the next keyless batch in.
    @Test(arguments: [CompressionCodec.none, .gzip])
    func keylessRecordRefused(_ codec: CompressionCodec) async throws {
        let broker = try await SeededBroker.start()
        let connection = try BlockingKafkaConnection(port: broker.port)
        try setPolicy("compact", over: connection)

        var mixed = RecordBatchBuilder()
        for key in ["k1", nil, "k3"] {
            mixed.append(key: key.map { ByteBuffer(string: $0) }, value: ByteBuffer(string: "v"), timestamp: 0)
        }
        var keyed = RecordBatchBuilder()
        keyed.append(key: ByteBuffer(string: "k4"), value: ByteBuffer(string: "v"), timestamp: 0)
        var records = try mixed.build(compression: codec)
        var second = keyed.build()
        records.writeBuffer(&second)

        let logMark = broker.logMark
        let response = try connection.roundTrip(
            SeededBroker.produce(records, acks: -1), version: 9, as: ProduceResponse.self)
        let partition = try #require(response.responses.first?.partitionResponses.first)
        #expect(partition.errorCode == KafkaErrorCode.invalidRecord.rawValue)
        #expect(partition.baseOffset == -1)
        #expect(partition.errorMessage
            == "Compacted topic cannot accept message without key in topic partition \(SeededBroker.topic)-0.")
        #expect(try await broker.waitForWarnings(for: connection, since: logMark) == 1, "\(broker.log(since: logMark))")

        // The policy is read per produce: back to delete, keyless batches (the check's own) are written again,
        // and the log holds exactly the batches acknowledged before, none of the refused ones.
        try setPolicy("delete", over: connection)
        try await broker.expectServingWithDataIntact()
        try await broker.stop()
    }

    private func setPolicy(_ policy: String, over connection: BlockingKafkaConnection) throws {
        let alter = IncrementalAlterConfigsRequest(resources: [
            .init(resourceType: 2, resourceName: SeededBroker.topic,
                  configs: [.init(name: "cleanup.policy", configOperation: 0, value: policy)]),
        ])
        let altered = try connection.roundTrip(alter, version: 1, as: IncrementalAlterConfigsResponse.self)
        #expect(altered.responses.map(\.errorCode) == [0], "\(altered)")
    }
}
