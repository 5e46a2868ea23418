import NIOCore
import SpoolProtocol

extension Consumer {
    /// A member's place in its group (classic protocol).
    struct GroupState {
        var groupId: String
        var topics: [String]
        var memberId = ""
        var generationId: Int32 = -1
        var assignor: PartitionAssignor?
        var needsRejoin = true
        var heartbeat: Task<Void, Never>?
        var lastCommit = ContinuousClock.now
        var coordinator: Int32?
    }

    /// Joins the consumer group `groupId` with a subscription to these topics: the group's members share
    /// their partitions, and rebalance when members come and go. The join happens in the next `poll`.
    /// - Parameter topics: the topics to consume.
    /// - Throws: `SpoolClientError.invalidArgument` without a `groupId` in the configuration.
    public func subscribe(_ topics: [String]) throws(SpoolClientError) {
        guard let groupId = configuration.groupId else {
            throw .invalidArgument("subscribe needs a consumer group: set groupId in the consumer configuration")
        }
        group?.heartbeat?.cancel()
        group = GroupState(groupId: groupId, topics: topics)
    }

    /// Commits the positions of the assigned partitions (the next offsets `poll` would return) for the group.
    /// - Throws: `SpoolClientError.kafka` (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, ...), or
    ///   `.invalidArgument` without a group.
    public func commit() async throws(SpoolClientError) {
        try await commit(positions.filter { assignment.contains($0.key) })
    }

    /// Commits these offsets for the group.
    /// - Parameter offsets: per partition, the offset of the next record to consume.
    /// - Throws: as `commit()`.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(SpoolClientError) {
        guard let groupId = configuration.groupId else {
            throw .invalidArgument("committing needs a consumer group: set groupId in the consumer configuration")
        }
        try await client.commitOffsets(
            group: groupId, offsets: offsets, generationId: group?.generationId ?? -1, memberId: group?.memberId ?? "")
        group?.lastCommit = .now
    }

    /// Rejoins when needed, and auto-commits what earlier polls returned.
    func maintainGroup() async throws(SpoolClientError) {
        guard let state = group else { return }
        if state.needsRejoin {
            try await rejoin()
        } else if configuration.enableAutoCommit,
            ContinuousClock.now - state.lastCommit >= .milliseconds(configuration.autoCommitIntervalMs)
        {
            do { try await commit() } catch { markRejoin(after: error) }
        }
    }

    private func markRejoin(after error: SpoolClientError) {
        guard let code = error.kafkaErrorCode else { return }
        if code == KafkaErrorCode(25) { group?.memberId = "" }  // UNKNOWN_MEMBER_ID
        if [15, 16, 22, 25, 27].contains(code.rawValue) { group?.needsRejoin = true }
    }

    private func rejoin() async throws(SpoolClientError) {
        guard let state = group else { return }
        state.heartbeat?.cancel()
        let cooperative = state.assignor?.isCooperative ?? false
        if !cooperative, !assignment.isEmpty {
            // Eager protocol: commit, then give up every partition before joining.
            if configuration.enableAutoCommit { try? await commit() }
            assign([])
        }
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.rebalanceTimeoutMs))
        while ContinuousClock.now < deadline {
            guard !isClosed, group?.groupId == state.groupId else { return }
            do {
                if let assigned = try await joinAndSync() {
                    try await adopt(assigned)
                    return
                }
            } catch  where error.isRetriable {
                // The coordinator moved or a connection dropped: find it again after a pause.
                client.logger.debug("rejoining after an error", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(client.configuration.retryBackoffMs))
        }
        throw .timedOut("joining group \(state.groupId)", milliseconds: Int64(configuration.rebalanceTimeoutMs))
    }

    /// One JoinGroup and SyncGroup round; nil when the round must be repeated.
    private func joinAndSync() async throws(SpoolClientError) -> [TopicPartition]? {
        guard var state = group else { return nil }
        let coordinator = try await client.coordinator(for: state.groupId)
        let metadata = GroupCodec.subscription(topics: state.topics, owned: assignment)
        let (configuration, memberId) = (self.configuration, state.memberId)
        let join = try await client.send(
            to: coordinator, maximumVersion: 7, as: JoinGroupResponse.self,
            timeoutMs: Int64(configuration.rebalanceTimeoutMs) + 5_000
        ) { version in
            var request = JoinGroupRequest(
                groupId: state.groupId, sessionTimeoutMs: configuration.sessionTimeoutMs, memberId: memberId,
                protocolType: "consumer",
                protocols: configuration.assignors.map { .init(name: $0.rawValue, metadata: metadata) })
            if version >= 1 { request.rebalanceTimeoutMs = configuration.rebalanceTimeoutMs }
            return request
        }
        switch join.errorCode {
        case 0: break
        case 79:  // MEMBER_ID_REQUIRED: join again with the id the coordinator gave.
            group?.memberId = join.memberId
            return nil
        case 25:
            group?.memberId = ""
            return nil
        case 27, 14, 15, 16: return nil
        default: throw .kafka(KafkaErrorCode(join.errorCode), "join group \(state.groupId)")
        }
        state.memberId = join.memberId
        state.generationId = join.generationId
        state.coordinator = coordinator
        state.assignor = PartitionAssignor(rawValue: join.protocolName ?? "")
        group = state
        let assignments = join.leader == join.memberId ? try await lead(join, assignor: state.assignor) : []
        let sync = try await client.send(to: coordinator, maximumVersion: 5, as: SyncGroupResponse.self) { version in
            var request = SyncGroupRequest(
                groupId: state.groupId, generationId: state.generationId, memberId: state.memberId,
                assignments: assignments)
            if version >= 5 {
                request.protocolType = "consumer"
                request.protocolName = state.assignor?.rawValue
            }
            return request
        }
        switch sync.errorCode {
        case 0: return try GroupCodec.assignment(sync.assignment)
        case 25:
            group?.memberId = ""
            return nil
        case 22, 27, 14, 15, 16: return nil
        default: throw .kafka(KafkaErrorCode(sync.errorCode), "sync group \(state.groupId)")
        }
    }

    /// The leader's part: run the chosen assignor over every member's subscription.
    private func lead(
        _ join: JoinGroupResponse, assignor: PartitionAssignor?
    ) async throws(SpoolClientError) -> [SyncGroupRequest.SyncGroupRequestAssignment] {
        guard let assignor else {
            throw .protocolViolation("the coordinator chose unknown assignor \(join.protocolName ?? "-")")
        }
        var members: [PartitionAssignor.Member] = []
        for member in join.members {
            let (topics, owned) = try GroupCodec.decodeSubscription(member.metadata)
            members.append(.init(memberId: member.memberId, topics: topics, owned: owned))
        }
        var counts: [String: Int32] = [:]
        for topic in Set(members.flatMap(\.topics)) {
            if let metadata = try? await client.topicMetadata(topic, refresh: true) {
                counts[topic] = Int32(metadata.partitions.count)
            }
        }
        return assignor.assign(members, partitionCounts: counts).map {
            .init(memberId: $0.key, assignment: GroupCodec.assignment(partitions: $0.value))
        }
    }

    /// Takes a new assignment: revoked partitions are committed and dropped, new ones start at the group's
    /// committed offsets; a cooperative member that gave something up rejoins at once so that it can move.
    private func adopt(_ partitions: [TopicPartition]) async throws(SpoolClientError) {
        guard let state = group else { return }
        let revoked = Set(assignment).subtracting(partitions)
        let added = Set(partitions).subtracting(assignment)
        if !revoked.isEmpty, configuration.enableAutoCommit {
            try? await commit(positions.filter { revoked.contains($0.key) })
        }
        assign(partitions)
        if !added.isEmpty {
            let committed = try await client.committedOffsets(group: state.groupId, partitions: Array(added))
            for (partition, offset) in committed { try seek(partition, to: .offset(offset)) }
        }
        group?.needsRejoin = (state.assignor?.isCooperative ?? false) && !revoked.isEmpty
        group?.lastCommit = .now
        startHeartbeat()
    }

    private func startHeartbeat() {
        guard let state = group else { return }
        let (client, interval) = (self.client, configuration.heartbeatIntervalMs)
        group?.heartbeat = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(interval))
                guard !Task.isCancelled, let coordinator = state.coordinator else { continue }
                let response = try? await client.send(to: coordinator, maximumVersion: 4, as: HeartbeatResponse.self) {
                    _ in
                    HeartbeatRequest(groupId: state.groupId, generationId: state.generationId, memberId: state.memberId)
                }
                guard let code = response?.errorCode, code != 0 else { continue }
                await self?.markRejoin(after: .kafka(KafkaErrorCode(code), "heartbeat"))
                return
            }
        }
    }

    /// Commits (with auto-commit) and leaves the group, so that the others rebalance at once.
    func leaveGroup() async {
        guard let state = group else { return }
        state.heartbeat?.cancel()
        guard state.generationId >= 0 else { return }
        if configuration.enableAutoCommit { try? await commit() }
        if let coordinator = try? await client.coordinator(for: state.groupId) {
            _ = try? await client.send(to: coordinator, maximumVersion: 2, as: LeaveGroupResponse.self) { _ in
                LeaveGroupRequest(groupId: state.groupId, memberId: state.memberId)
            }
        }
        group = nil
    }
}

/// The consumer protocol's embedded messages: an int16 version, then the versioned struct.
enum GroupCodec {
    static func subscription(topics: [String], owned: [TopicPartition]) -> ByteBuffer {
        let value = ConsumerProtocolSubscription(
            topics: topics,
            ownedPartitions: Dictionary(grouping: owned, by: \.topic).map {
                .init(topic: $0.key, partitions: $0.value.map(\.partition))
            })
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(1))
        try? value.encode(into: &buffer, version: 1)  // version 1 carries every field set here
        return buffer
    }

    static func decodeSubscription(_ bytes: ByteBuffer) throws(SpoolClientError) -> ([String], [TopicPartition]) {
        var buffer = bytes
        guard let version = buffer.readInteger(as: Int16.self), version >= 0 else {
            throw .protocolViolation("a member's subscription has no version")
        }
        do {
            let value = try ConsumerProtocolSubscription(from: &buffer, version: min(version, 3))
            return (
                value.topics,
                value.ownedPartitions.flatMap { topic in topic.partitions.map { TopicPartition(topic.topic, $0) } }
            )
        } catch {
            throw .protocolViolation("a member's subscription cannot be read: \(error)")
        }
    }

    static func assignment(partitions: [TopicPartition]) -> ByteBuffer {
        let value = ConsumerProtocolAssignment(
            assignedPartitions: Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map {
                .init(topic: $0.key, partitions: $0.value.map(\.partition).sorted())
            })
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(1))
        try? value.encode(into: &buffer, version: 1)  // version 1 carries every field set here
        return buffer
    }

    static func assignment(_ bytes: ByteBuffer) throws(SpoolClientError) -> [TopicPartition] {
        var buffer = bytes
        guard buffer.readableBytes > 0 else { return [] }  // an empty assignment may come as no bytes
        guard let version = buffer.readInteger(as: Int16.self), version >= 0 else {
            throw .protocolViolation("an assignment has no version")
        }
        do {
            let value = try ConsumerProtocolAssignment(from: &buffer, version: min(version, 3))
            return value.assignedPartitions.flatMap { topic in topic.partitions.map { TopicPartition(topic.topic, $0) }
            }
        } catch {
            throw .protocolViolation("an assignment cannot be read: \(error)")
        }
    }
}
