import NIOCore
import SpoolProtocol
import Testing

/// Spool's tagged field in DescribeShareGroupOffsets: it survives the response's encoding, a client that does
/// not know it decodes the response unchanged, and other tags or versions are not mistaken for it.
@Suite struct SharePartitionStatsTests {
    @Test("the counts round-trip through an encoded DescribeShareGroupOffsets response")
    func roundTrip() throws {
        let stats = SharePartitionStats(
            available: 7, acquired: 3, acknowledged: 2, archived: 1, deadLettered: 4, firstAvailableOffset: 12,
            oldestAvailableAgeMs: 1500, logEndOffset: 20)
        var partition = DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition()
        partition.startOffset = 9
        partition.unknownTaggedFields = [stats.taggedField]
        var topic = DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseTopic()
        topic.topicName = "t"
        topic.partitions = [partition]
        let response = DescribeShareGroupOffsetsResponse(groups: [.init(groupId: "g", topics: [topic])])
        var buffer = ByteBuffer()
        try response.encode(into: &buffer, version: 0)
        let decoded = try DescribeShareGroupOffsetsResponse(from: &buffer, version: 0)
        let fields = try #require(decoded.groups.first?.topics.first?.partitions.first?.unknownTaggedFields)
        #expect(SharePartitionStats(taggedFields: fields) == stats)
        #expect(decoded.groups.first?.topics.first?.partitions.first?.startOffset == 9)
    }

    @Test("another tag, another version or a short field is not read as the counts")
    func foreignFields() {
        #expect(SharePartitionStats(taggedFields: []) == nil)
        var field = SharePartitionStats().taggedField
        #expect(SharePartitionStats(taggedFields: [KafkaTaggedField(tag: 0, data: field.data)]) == nil)
        field.data.setInteger(UInt8(2), at: field.data.readerIndex)
        #expect(SharePartitionStats(taggedFields: [field]) == nil)
        #expect(SharePartitionStats(taggedFields: [KafkaTaggedField(tag: 10_000, data: ByteBuffer(bytes: [1, 0]))])
            == nil)
    }
}
