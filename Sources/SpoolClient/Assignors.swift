/// The partition assignors of Kafka's classic consumer group protocol, run by the group leader. Pure
/// functions over member subscriptions, so that they are tested without a broker.
public enum PartitionAssignor: String, Sendable, CaseIterable {
    /// Per topic, consecutive ranges of partitions to members in member-id order (the first members get
    /// one more when the count does not divide); eager: every member gives up everything on a rebalance.
    case range
    /// Balanced and sticky: members keep what they own up to their fair share; a partition that moves is
    /// first revoked by its owner and only handed to its new owner in the next rebalance (KIP-429).
    case cooperativeSticky = "cooperative-sticky"

    /// What one member told the leader.
    public struct Member: Sendable, Hashable {
        /// The member id.
        public var memberId: String
        /// The topics it subscribes to.
        public var topics: [String]
        /// The partitions it owns now (cooperative members report them).
        public var owned: [TopicPartition]

        /// Makes a member description.
        /// - Parameters:
        ///   - memberId: the member id.
        ///   - topics: its subscription.
        ///   - owned: the partitions it owns.
        public init(memberId: String, topics: [String], owned: [TopicPartition] = []) {
            self.memberId = memberId
            self.topics = topics
            self.owned = owned
        }
    }

    /// Whether members keep their partitions during a rebalance.
    public var isCooperative: Bool { self == .cooperativeSticky }

    /// The assignment of every member.
    /// - Parameters:
    ///   - members: the members and their subscriptions.
    ///   - partitionCounts: partitions per subscribed topic (topics missing here are skipped).
    /// - Returns: partitions per member id (every member present, possibly with none).
    public func assign(_ members: [Member], partitionCounts: [String: Int32]) -> [String: [TopicPartition]] {
        switch self {
        case .range: return Self.range(members, partitionCounts)
        case .cooperativeSticky: return Self.cooperativeSticky(members, partitionCounts)
        }
    }

    private static func range(_ members: [Member], _ counts: [String: Int32]) -> [String: [TopicPartition]] {
        var result = Dictionary(uniqueKeysWithValues: members.map { ($0.memberId, [TopicPartition]()) })
        let topics = Set(members.flatMap(\.topics)).sorted()
        for topic in topics {
            guard let count = counts[topic], count > 0 else { continue }
            let subscribed = members.filter { $0.topics.contains(topic) }.map(\.memberId).sorted()
            let share = Int(count) / subscribed.count
            let extra = Int(count) % subscribed.count
            var next = 0
            for (index, member) in subscribed.enumerated() {
                let length = share + (index < extra ? 1 : 0)
                result[member, default: []] += (next..<next + length).map { TopicPartition(topic, Int32($0)) }
                next += length
            }
        }
        return result
    }

    private static func cooperativeSticky(_ members: [Member], _ counts: [String: Int32]) -> [String: [TopicPartition]]
    {
        let sortedMembers = members.sorted { $0.memberId < $1.memberId }
        let subscriptions = Dictionary(uniqueKeysWithValues: sortedMembers.map { ($0.memberId, Set($0.topics)) })
        let all = Set(members.flatMap(\.topics)).sorted().flatMap { topic in
            (0..<max(counts[topic] ?? 0, 0)).map { TopicPartition(topic, $0) }
        }
        guard !sortedMembers.isEmpty else { return [:] }
        let floor = all.count / sortedMembers.count
        var ceilingsLeft = all.count % sortedMembers.count
        var assignment: [String: [TopicPartition]] = [:]
        var owner: [TopicPartition: String] = [:]
        var taken = Set<TopicPartition>()
        // Keep owned partitions up to the fair share, the biggest owners first so that they use the ceilings.
        for member in sortedMembers.sorted(by: { $0.owned.count > $1.owned.count }) {
            let valid = member.owned.filter {
                subscriptions[member.memberId]?.contains($0.topic) == true && $0.partition < counts[$0.topic] ?? 0
                    && !taken.contains($0)
            }
            var limit = floor
            if valid.count > floor && ceilingsLeft > 0 {
                limit += 1
                ceilingsLeft -= 1
            }
            let kept = Array(valid.prefix(limit))
            assignment[member.memberId] = kept
            for partition in member.owned { owner[partition] = member.memberId }
            taken.formUnion(kept)
        }
        // Hand out the rest, each to the subscribed member with the fewest partitions.
        for partition in all where !taken.contains(partition) {
            let candidates = sortedMembers.filter { subscriptions[$0.memberId]?.contains(partition.topic) == true }
            guard
                let target = candidates.min(by: {
                    (assignment[$0.memberId]?.count ?? 0, $0.memberId) < (
                        assignment[$1.memberId]?.count ?? 0, $1.memberId
                    )
                })
            else { continue }
            assignment[target.memberId, default: []].append(partition)
        }
        // A partition still owned by another member waits for the next rebalance, after its owner revoked it.
        for (member, partitions) in assignment {
            assignment[member] = partitions.filter { owner[$0] == nil || owner[$0] == member }.sorted {
                ($0.topic, $0.partition) < ($1.topic, $1.partition)
            }
        }
        return assignment
    }
}
