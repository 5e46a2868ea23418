import Logging
import SpoolMetadata
import SpoolProtocol

/// OffsetFetch (9): a group's committed offsets, read from SQLite (v8+: several groups). Commits are durable
/// before they are answered. With require_stable (v7+, what read_committed consumers send), a partition with an
/// offset an open transaction will commit answers UNSTABLE_OFFSET_COMMIT, which clients retry, until the
/// transaction ends.
struct OffsetFetchHandler: KafkaResponseHandler {
    // One of the seven APIs librdkafka needs advertised to enable groups (see FindCoordinatorHandler).
    static let versions: ClosedRange<Int16> = 0...9

    let groupStore: any GroupMetadataStore
    let transactions: TransactionCoordinator
    let logger: Logger

    /// Requested partitions, or nil for every committed one.
    typealias Selection = [(topic: String, partitions: [Int32])]?

    struct GroupResult {
        var error: KafkaErrorCode = .none
        var topics: [(name: String, partitions: [(index: Int32, offset: CommittedOffset?, error: KafkaErrorCode?)])] = []
    }

    func respond(_ request: OffsetFetchRequest, context: RequestContext) async
        -> OffsetFetchResponse
    {
        let version = context.version
        var response = OffsetFetchResponse()
        if version >= 8 {
            for group in request.groups {
                let selection: Selection = group.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
                let result = await fetch(group.groupId, selection, requireStable: request.requireStable, context: context)
                response.groups.append(groupResponse(group.groupId, result))
            }
            return response
        }
        // v0 and v1 have no "every partition" (null topics) and no group-level error.
        let selection: Selection = request.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
        let result = await fetch(
            request.groupId, version >= 2 ? selection : (selection ?? []),
            requireStable: version >= 7 && request.requireStable, context: context)
        let groupError: Int16 = version >= 2 ? 0 : result.error.rawValue
        if version >= 2 { response.errorCode = result.error.rawValue }
        response.topics = result.topics.map { topic in
            OffsetFetchResponse.OffsetFetchResponseTopic(name: topic.name, partitions: topic.partitions.map {
                OffsetFetchResponse.OffsetFetchResponsePartition(
                    partitionIndex: $0.index, committedOffset: $0.offset?.offset ?? -1,
                    committedLeaderEpoch: version >= 5 ? ($0.offset?.leaderEpoch ?? -1) : -1,
                    metadata: $0.offset.map { $0.metadata ?? "" } ?? "",
                    errorCode: $0.error?.rawValue ?? groupError)
            })
        }
        return response
    }

    /// One group's answer in the v8+ layout.
    private func groupResponse(_ groupId: String, _ result: GroupResult)
        -> OffsetFetchResponse.OffsetFetchResponseGroup
    {
        let topics = result.topics.map { topic in
            OffsetFetchResponse.OffsetFetchResponseTopics(name: topic.name, partitions: topic.partitions.map {
                OffsetFetchResponse.OffsetFetchResponsePartitions(
                    partitionIndex: $0.index, committedOffset: $0.offset?.offset ?? -1,
                    committedLeaderEpoch: $0.offset?.leaderEpoch ?? -1,
                    metadata: $0.offset.map { $0.metadata ?? "" } ?? "",
                    errorCode: $0.error?.rawValue ?? 0)
            })
        }
        return OffsetFetchResponse.OffsetFetchResponseGroup(
            groupId: groupId, topics: topics, errorCode: result.error.rawValue)
    }

    /// - Parameter requireStable: mark partitions with an offset an open transaction will commit as unstable
    ///   (their offset is not answered).
    func fetch(_ groupId: String, _ selection: Selection, requireStable: Bool = false, context: RequestContext) async
        -> GroupResult
    {
        if let error = GroupRequests.refusal(groupId, .describe, context: context) { return GroupResult(error: error) }
        let stored: [CommittedOffset]
        do {
            stored = try await groupStore.committedOffsets(groupId: groupId)
        } catch {
            logger.error(
                "reading committed offsets failed", metadata: ["group": "\(groupId)", "error": "\(error)"])
            return GroupResult(error: .coordinatorNotAvailable)
        }
        var result = GroupResult()
        if let selection {
            var byPartition: [String: [Int32: CommittedOffset]] = [:]
            for offset in stored { byPartition[offset.topic, default: [:]][offset.partition] = offset }
            result.topics = selection.map { topic in
                (topic.topic, topic.partitions.map { ($0, byPartition[topic.topic]?[$0], nil) })
            }
        } else {
            var order: [String] = []
            var byTopic: [String: [(index: Int32, offset: CommittedOffset?, error: KafkaErrorCode?)]] = [:]
            for offset in stored {
                if byTopic[offset.topic] == nil { order.append(offset.topic) }
                byTopic[offset.topic, default: []].append((offset.partition, offset, nil))
            }
            result.topics = order.map { ($0, byTopic[$0] ?? []) }
        }
        // Topics the principal may not describe: left out of "every offset", refused when named.
        result.topics = result.topics.compactMap { topic in
            if context.isAllowed(.describe, .topic(topic.name), quietly: selection == nil) { return topic }
            return selection == nil ? nil : (topic.name, topic.partitions.map { ($0.index, nil, .topicAuthorizationFailed) })
        }
        guard requireStable else { return result }
        let pending = transactions.pendingOffsetPartitions(groupId: groupId)
        guard !pending.isEmpty else { return result }
        result.topics = result.topics.map { topic in
            (topic.name, topic.partitions.map { partition in
                let unstable = pending.contains(TransactionPartition(topic: topic.name, partition: partition.index))
                return unstable && partition.error == nil ? (partition.index, nil, .unstableOffsetCommit) : partition
            })
        }
        return result
    }
}
