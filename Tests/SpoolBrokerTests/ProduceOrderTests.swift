import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

/// A connection's requests keep their order of effects when they are pipelined: each Produce's records follow
/// the previous Produce's, although a Produce checks its partitions while the one before it is still appending
/// (`RequestGate`, `AppendQueue`), and a request of another kind sees every earlier Produce's records. Against
/// the real broker process over TCP on 127.0.0.1.
@Suite(.serialized) struct ProduceOrderTests {
    @Test("300 pipelined Produce requests to one partition land in request order; ListOffsets between them sees all before")
    func pipelinedProduces() async throws {
        let broker = try await SeededBroker.start()
        let connection = try BlockingKafkaConnection(port: broker.port)
        let start = try logEndOffset(over: connection)
        // acks 1 and all mixed: the acks=1 answers come when written, the acks=all ones after an fsync, so
        // requests finish out of order and only the queue keeps their appends in order.
        enum Sent { case produce(index: Int), listOffsets(after: Int) }
        var sent: [Sent] = []
        var bytes: [UInt8] = []
        var correlationId: Int32 = 0
        func add(_ request: some KafkaRequestMessage, version: Int16) throws {
            correlationId += 1
            var buffer = ByteBuffer()
            try KafkaCodec.encodeRequest(
                request, version: version, correlationId: correlationId, clientId: "order", into: &buffer)
            bytes += Array(buffer.readableBytesView)
        }
        for index in 0..<300 {
            let batch = SeededBroker.batch(values: ["record \(index)"])
            try add(SeededBroker.produce(batch, acks: index % 3 == 0 ? 1 : -1), version: 9)
            sent.append(.produce(index: index))
            if index % 50 == 49 {
                try add(latestOffsetRequest(), version: 7)
                sent.append(.listOffsets(after: index))
            }
        }
        connection.send(bytes)
        for (position, request) in sent.enumerated() {
            guard case .frame(let reply) = try connection.readFrame() else {
                Issue.record("no answer for request \(position + 1)")
                break
            }
            switch request {
            case .produce(let index):
                let (header, response) = try KafkaCodec.decodeResponse(reply, as: ProduceResponse.self, version: 9)
                #expect(header.correlationId == Int32(position + 1))
                let partition = try #require(response.responses.first?.partitionResponses.first)
                #expect(partition.errorCode == 0, "produce \(index): \(partition)")
                #expect(partition.baseOffset == start + Int64(index), "produce \(index) landed out of order")
            case .listOffsets(let after):
                let (header, response) = try KafkaCodec.decodeResponse(
                    reply, as: ListOffsetsResponse.self, version: 7)
                #expect(header.correlationId == Int32(position + 1))
                let partition = try #require(response.topics.first?.partitions.first)
                #expect(partition.offset == start + Int64(after) + 1,
                        "ListOffsets after produce \(after) must see every earlier produce's record")
            }
        }
        try await broker.expectServingWithDataIntact(othersMayHaveBeenAppended: true)
        try await broker.stop()
    }

    private func latestOffsetRequest() -> ListOffsetsRequest {
        ListOffsetsRequest(
            replicaId: -1,
            topics: [.init(name: SeededBroker.topic, partitions: [.init(partitionIndex: 0, timestamp: -1)])])
    }

    private func logEndOffset(over connection: BlockingKafkaConnection) throws -> Int64 {
        let response = try connection.roundTrip(latestOffsetRequest(), version: 7, as: ListOffsetsResponse.self)
        let partition = try #require(response.topics.first?.partitions.first)
        try #require(partition.errorCode == 0, "ListOffsets: \(partition)")
        return partition.offset
    }
}
