import NIOCore
import SpoolProtocol

extension Admin {
    /// A consumer group as the coordinator describes it.
    public struct GroupDescription: Sendable, Hashable {
        /// One member with the partitions it was assigned.
        public struct Member: Sendable, Hashable {
            /// The member id.
            public var memberId: String
            /// The client id the member connected with.
            public var clientId: String
            /// The member's host.
            public var clientHost: String
            /// Its assigned partitions (decoded when the group uses the consumer protocol).
            public var assignment: [TopicPartition]
        }

        /// The group id.
        public var groupId: String
        /// Its state: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead.
        public var state: String
        /// The protocol type, `consumer` for consumer groups.
        public var protocolType: String
        /// The chosen assignor.
        public var assignor: String
        /// The members.
        public var members: [Member]
    }

    /// One group in a listing.
    public struct GroupListing: Sendable, Hashable {
        /// The group id.
        public var groupId: String
        /// The protocol type.
        public var protocolType: String
        /// Its state, when the broker reports it (ListGroups v4+).
        public var state: String
    }

    /// Every group the broker coordinates.
    /// - Throws: `SpoolClientError` when no broker answers or it refuses.
    public func listGroups() async throws(SpoolClientError) -> [GroupListing] {
        let response = try await client.send(maximumVersion: 4, as: ListGroupsResponse.self) { _ in ListGroupsRequest()
        }
        guard response.errorCode == 0 else { throw .kafka(KafkaErrorCode(response.errorCode), "list groups") }
        return response.groups.map { .init(groupId: $0.groupId, protocolType: $0.protocolType, state: $0.groupState) }
            .sorted { $0.groupId < $1.groupId }
    }

    /// A group's state, members and their assignments.
    /// - Parameter group: the group id.
    /// - Throws: `SpoolClientError.kafka` (GROUP_ID_NOT_FOUND, COORDINATOR_NOT_AVAILABLE, ...).
    public func describeGroup(_ group: String) async throws(SpoolClientError) -> GroupDescription {
        let coordinator = try await client.coordinator(for: group)
        let response = try await client.send(to: coordinator, maximumVersion: 5, as: DescribeGroupsResponse.self) { _ in
            DescribeGroupsRequest(groups: [group])
        }
        guard let described = response.groups.first(where: { $0.groupId == group }) else {
            throw .protocolViolation("DescribeGroups left out group \(group)")
        }
        guard described.errorCode == 0 else {
            throw .kafka(KafkaErrorCode(described.errorCode), "describe group \(group)")
        }
        let members = described.members.map { member in
            GroupDescription.Member(
                memberId: member.memberId, clientId: member.clientId, clientHost: member.clientHost,
                assignment: described.protocolType == "consumer"
                    ? (try? GroupCodec.assignment(member.memberAssignment)) ?? [] : [])
        }
        return GroupDescription(
            groupId: described.groupId, state: described.groupState, protocolType: described.protocolType,
            assignor: described.protocolData, members: members)
    }

    /// Deletes groups with no members, and their committed offsets.
    /// - Parameter groups: the group ids.
    /// - Throws: `SpoolClientError.kafka` with the first group's error (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND).
    public func deleteGroups(_ groups: [String]) async throws(SpoolClientError) {
        for group in groups {
            let coordinator = try await client.coordinator(for: group)
            let response = try await client.send(to: coordinator, maximumVersion: 2, as: DeleteGroupsResponse.self) {
                _ in
                DeleteGroupsRequest(groupsNames: [group])
            }
            for result in response.results where result.errorCode != 0 {
                throw .kafka(KafkaErrorCode(result.errorCode), "delete group \(result.groupId)")
            }
        }
    }
}
