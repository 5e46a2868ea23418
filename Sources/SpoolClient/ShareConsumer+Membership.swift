import SpoolProtocol

extension ShareConsumer {
    /// Joins the share group on first use (ShareGroupHeartbeat with epoch 0 and the subscription), then keeps
    /// heartbeating from a background task.
    func ensureJoined() async throws(SpoolClientError) {
        guard heartbeat == nil else { return }
        guard !topics.isEmpty else {
            throw .invalidArgument("a share consumer polls after subscribe: call subscribe(topics) first")
        }
        let deadline = ContinuousClock.now + .milliseconds(configuration.joinTimeoutMs)
        var pause = client.configuration.retryBackoffMs
        while memberEpoch <= 0 {
            guard !isClosed else { throw .closed }
            do {
                try await heartbeatOnce()
            } catch where error.isRetriable {
                // The coordinator is loading or moved, or the connection dropped: ask again after a pause.
                client.logger.debug("share group join retried", metadata: ["error": "\(error)"])
            }
            if memberEpoch > 0 { break }
            guard ContinuousClock.now + .milliseconds(pause) < deadline else {
                throw .timedOut(
                    "joining share group \(configuration.groupId)", milliseconds: configuration.joinTimeoutMs)
            }
            try? await Task.sleep(for: .milliseconds(pause))
            pause = min(pause * 2, client.configuration.retryBackoffMaxMs)
        }
        guard heartbeat == nil, !isClosed else { return }
        // The task holds the consumer until `close()` cancels it. A weak reference would give the actor a side
        // table, which sends every retain and release of it (one per record handed out) down the slow path: 25 % of
        // the bench client's time at 500,000 records/s.
        heartbeat = Task {
            while !Task.isCancelled {
                let pauseMs = await self.beat()
                try? await Task.sleep(for: .milliseconds(pauseMs))
            }
        }
    }

    /// One background heartbeat; returns the pause before the next. Errors the consumer cannot recover from
    /// are kept for `poll` to throw.
    private func beat() async -> Int64 {
        guard !isClosed else { return heartbeatIntervalMs }
        do {
            try await heartbeatOnce()
            // A member the coordinator forgot rejoins at once.
            return memberEpoch == 0 ? 0 : heartbeatIntervalMs
        } catch where error.isRetriable {
            client.logger.debug("share group heartbeat failed", metadata: ["error": "\(error)"])
            return client.configuration.retryBackoffMs
        } catch {
            client.logger.warning("share group heartbeat refused", metadata: ["error": "\(error)"])
            fatal = error
            return heartbeatIntervalMs
        }
    }

    /// Sends one ShareGroupHeartbeat (a join when the epoch is 0) and applies the answer: the new epoch, the
    /// heartbeat interval and an assignment when one comes.
    func heartbeatOnce() async throws(SpoolClientError) {
        let coordinator = try await findCoordinator()
        let (epoch, groupId, memberId) = (memberEpoch, configuration.groupId, self.memberId)
        let subscription = epoch == 0 ? topics : nil
        let response: ShareGroupHeartbeatResponse
        do {
            response = try await client.send(
                to: coordinator, maximumVersion: 1, as: ShareGroupHeartbeatResponse.self
            ) { _ in
                ShareGroupHeartbeatRequest(
                    groupId: groupId, memberId: memberId, memberEpoch: epoch, subscribedTopicNames: subscription)
            }
        } catch {
            if error.isConnectionFailure { self.coordinator = nil }
            throw error
        }
        let code = KafkaErrorCode(response.errorCode)
        switch code {
        case .none:
            guard !isClosed else { return }
            memberEpoch = response.memberEpoch
            if response.heartbeatIntervalMs > 0 { heartbeatIntervalMs = Int64(response.heartbeatIntervalMs) }
            if let assigned = response.assignment { try await adopt(assigned) }
        case .unknownMemberId, .fencedMemberEpoch:
            // The coordinator forgot this member (session timeout, broker restart): join again, same member id.
            client.logger.info("share consumer rejoins", metadata: ["group": "\(groupId)", "error": "\(code)"])
            memberEpoch = 0
        case .notCoordinator, .coordinatorNotAvailable:
            self.coordinator = nil
            throw .kafka(code, "share group heartbeat", message: response.errorMessage)
        default:
            throw .kafka(code, "share group heartbeat of \(groupId)", message: response.errorMessage)
        }
    }

    private func findCoordinator() async throws(SpoolClientError) -> Int32 {
        if let coordinator { return coordinator }
        let found = try await client.coordinator(for: configuration.groupId)
        coordinator = found
        return found
    }

    /// Takes the assignment's partitions, learning topic names from their ids with Metadata.
    private func adopt(_ assigned: ShareGroupHeartbeatResponse.Assignment) async throws(SpoolClientError) {
        if assigned.topicPartitions.contains(where: { topicNames[$0.topicId] == nil }) {
            let metadata = try await client.metadata(topics: topics)
            for topic in metadata.topics.values {
                guard let id = KafkaUUID(hex: topic.topicId) else { continue }
                topicNames[id] = topic.name
                topicIds[topic.name] = id
            }
        }
        var partitions: [TopicPartition] = []
        for topic in assigned.topicPartitions {
            guard let name = topicNames[topic.topicId] else { continue }  // deleted since: the next answer drops it
            partitions += topic.partitions.map { TopicPartition(name, $0) }
        }
        assignment = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Leaves the group (epoch -1), so that the coordinator does not wait for the session to time out.
    func leaveGroup() async {
        guard memberEpoch > 0, let coordinator else { return }
        let (groupId, memberId) = (configuration.groupId, self.memberId)
        _ = try? await client.send(to: coordinator, maximumVersion: 1, as: ShareGroupHeartbeatResponse.self) { _ in
            ShareGroupHeartbeatRequest(groupId: groupId, memberId: memberId, memberEpoch: -1)
        }
        memberEpoch = 0
    }
}
