import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

/// Share consumer requests over one BlockingKafkaConnection to a real broker, for the share tests.
struct ShareWire {
    let connection: BlockingKafkaConnection

    /// Appends `count` records to partition 0 of `topic` (timestamps now) and returns the base offset.
    @discardableResult
    func produce(_ topic: String, count: Int, partition: Int32 = 0) throws -> Int64 {
        var builder = RecordBatchBuilder()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for index in 0..<count {
            builder.append(key: nil, value: ByteBuffer(string: "record \(index)"), timestamp: now)
        }
        let response = try connection.roundTrip(
            ProduceRequest(
                acks: -1, timeoutMs: 10_000,
                topicData: [.init(name: topic, partitionData: [.init(index: partition, records: builder.build())])]),
            version: 9, as: ProduceResponse.self)
        let result = try #require(response.responses.first?.partitionResponses.first)
        #expect(result.errorCode == 0, "\(result)")
        return result.baseOffset
    }

    /// One ShareFetch v1 for partitions of one topic, with acknowledgements for partition 0.
    func fetch(
        _ group: String, _ member: String, epoch: Int32, topicId: KafkaUUID, partitions: [Int32] = [0],
        acknowledge: [ShareFetchRequest.AcknowledgementBatch] = [], maxRecords: Int32 = 100, maxWaitMs: Int32 = 0
    ) throws -> ShareFetchResponse {
        let fetchPartitions = partitions.map { index in
            ShareFetchRequest.FetchPartition(
                partitionIndex: index,
                acknowledgementBatches: index == partitions.first ? acknowledge : [])
        }
        return try connection.roundTrip(
            ShareFetchRequest(
                groupId: group, memberId: member, shareSessionEpoch: epoch, maxWaitMs: maxWaitMs, minBytes: 1,
                maxBytes: 1 << 20, maxRecords: maxRecords, batchSize: maxRecords,
                topics: [.init(topicId: topicId, partitions: fetchPartitions)]),
            version: 1, as: ShareFetchResponse.self)
    }

    /// One ShareAcknowledge v1 for partition 0 of a topic.
    func acknowledge(
        _ group: String, _ member: String, epoch: Int32, topicId: KafkaUUID,
        _ batches: [ShareAcknowledgeRequest.AcknowledgementBatch]
    ) throws -> ShareAcknowledgeResponse {
        try connection.roundTrip(
            ShareAcknowledgeRequest(
                groupId: group, memberId: member, shareSessionEpoch: epoch,
                topics: [.init(
                    topicId: topicId, partitions: [.init(partitionIndex: 0, acknowledgementBatches: batches)])]),
            version: 1, as: ShareAcknowledgeResponse.self)
    }

    /// DescribeShareGroupOffsets v0 for one group (all its share-partitions when `topics` is nil).
    func describeOffsets(_ group: String, topics: [String: [Int32]]? = nil) throws
        -> DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup
    {
        let wanted = topics.map { topics in
            topics.sorted { $0.key < $1.key }.map {
                DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestTopic(
                    topicName: $0.key, partitions: $0.value)
            }
        }
        let response = try connection.roundTrip(
            DescribeShareGroupOffsetsRequest(groups: [.init(groupId: group, topics: wanted)]), version: 0,
            as: DescribeShareGroupOffsetsResponse.self)
        return try #require(response.groups.first)
    }

    /// The start offsets and counts DescribeShareGroupOffsets reports, by "topic/partition".
    func offsets(_ group: String, topics: [String: [Int32]]? = nil) throws
        -> [String: (start: Int64, stats: SharePartitionStats?)]
    {
        var result: [String: (start: Int64, stats: SharePartitionStats?)] = [:]
        for topic in try describeOffsets(group, topics: topics).topics {
            for partition in topic.partitions {
                result["\(topic.topicName)/\(partition.partitionIndex)"] =
                    (partition.startOffset, SharePartitionStats(taggedFields: partition.unknownTaggedFields))
            }
        }
        return result
    }

    /// AlterShareGroupOffsets v0 for partitions of one topic.
    func alter(_ group: String, _ topic: String, _ offsets: [Int32: Int64]) throws -> AlterShareGroupOffsetsResponse {
        let partitions = offsets.sorted { $0.key < $1.key }.map {
            AlterShareGroupOffsetsRequest.AlterShareGroupOffsetsRequestPartition(
                partitionIndex: $0.key, startOffset: $0.value)
        }
        return try connection.roundTrip(
            AlterShareGroupOffsetsRequest(groupId: group, topics: [.init(topicName: topic, partitions: partitions)]),
            version: 0, as: AlterShareGroupOffsetsResponse.self)
    }

    /// DeleteShareGroupOffsets v0.
    func deleteOffsets(_ group: String, _ topics: [String]) throws -> DeleteShareGroupOffsetsResponse {
        try connection.roundTrip(
            DeleteShareGroupOffsetsRequest(groupId: group, topics: topics.map { .init(topicName: $0) }), version: 0,
            as: DeleteShareGroupOffsetsResponse.self)
    }
}
