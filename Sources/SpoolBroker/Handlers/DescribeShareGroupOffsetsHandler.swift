import SpoolLog
import SpoolProtocol

/// DescribeShareGroupOffsets (90) v0: each share-partition's start offset (-1 where the group has none: a topic
/// that does not exist or a partition the group never fetched, as Kafka answers), and, in Spool's tagged field
/// (``SharePartitionStats``), how many records are available, acquired, acknowledged, archived and
/// dead-lettered, and the oldest available record's age.
struct DescribeShareGroupOffsetsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let access: ShareGroupOffsetsAccess
    var shares: SharePartitionManager { access.shares }

    typealias Group = DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup
    typealias Topic = DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseTopic
    typealias Partition = DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition

    func respond(_ request: DescribeShareGroupOffsetsRequest, context: RequestContext) async
        -> DescribeShareGroupOffsetsResponse
    {
        var groups: [Group] = []
        for group in request.groups { groups.append(await describe(group, context: context)) }
        return DescribeShareGroupOffsetsResponse(groups: groups)
    }

    private func describe(_ request: DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestGroup,
                          context: RequestContext) async -> Group
    {
        var group = Group()
        group.groupId = request.groupId
        if let denial = context.denial(.describe, .group(request.groupId)) {
            group.errorCode = denial.rawValue
            return group
        }
        if let refusal = access.refusal(request.groupId, requireEmpty: false) {
            group.errorCode = refusal.code.rawValue
            group.errorMessage = refusal.message
            return group
        }
        let names = TopicNames(catalog: shares.partitions.catalog)
        guard let wanted = request.topics else {
            // Every share-partition of the group.
            let reports = await shares.reports(group: request.groupId)
            var order: [String] = []
            var byTopic: [String: [Partition]] = [:]
            for report in reports {
                let topic = report.key.partition.topic
                if byTopic[topic] == nil { order.append(topic) }
                byTopic[topic, default: []].append(Self.partition(report.key.partition.partition, report))
            }
            group.topics = order.map { Self.topic($0, names.topicId($0), byTopic[$0] ?? []) }
            return group
        }
        let asked = Set(wanted.flatMap { topic in
            topic.partitions.map { TopicPartition(topic: topic.topicName, partition: $0) }
        })
        let reports = await shares.reports(group: request.groupId, only: asked)
        let byPartition = Dictionary(reports.map { ($0.key.partition, $0) }, uniquingKeysWith: { first, _ in first })
        group.topics = wanted.map { topic in
            let partitions = topic.partitions.map { index in
                Self.partition(index, byPartition[TopicPartition(topic: topic.topicName, partition: index)])
            }
            return Self.topic(topic.topicName, names.topicId(topic.topicName), partitions)
        }
        return group
    }

    private static func topic(_ name: String, _ id: KafkaUUID?, _ partitions: [Partition]) -> Topic {
        var topic = Topic()
        topic.topicName = name
        topic.topicId = id ?? KafkaUUID.zero
        topic.partitions = partitions
        return topic
    }

    private static func partition(_ index: Int32, _ report: SharePartitionReport?) -> Partition {
        var partition = Partition()
        partition.partitionIndex = index
        partition.leaderEpoch = 0
        guard let report else {
            // Kafka's uninitialized start offset: the group has no state for this partition.
            partition.startOffset = -1
            return partition
        }
        partition.startOffset = report.startOffset
        partition.unknownTaggedFields = [report.stats.taggedField]
        return partition
    }
}
