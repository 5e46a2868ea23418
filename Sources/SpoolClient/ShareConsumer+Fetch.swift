import NIOCore
import SpoolProtocol

extension ShareConsumer {
    /// One ShareFetch per leader of the assigned partitions, sent together, carrying the pending
    /// acknowledgements of that leader's partitions; returns the records acquired.
    func fetchRound(maxWaitMs: Int32) async throws(SpoolClientError) -> [ShareConsumerRecord] {
        var byLeader: [Int32: [TopicPartition]] = [:]
        for partition in assignment {
            do {
                byLeader[try await client.leader(of: partition), default: []].append(partition)
            } catch {
                client.logger.debug("no leader for a share partition", metadata: ["partition": "\(partition)"])
            }
        }
        if byLeader.isEmpty {
            try? await Task.sleep(for: .milliseconds(client.configuration.retryBackoffMs))
            return []
        }
        var requests: [(Int32, ShareFetchRequest, [TopicPartition: PendingAcknowledgements])] = []
        for (leader, partitions) in byLeader {
            let (request, sent) = fetchRequest(leader: leader, partitions: Set(partitions), maxWaitMs: maxWaitMs)
            requests.append((leader, request, sent))
        }
        let client = self.client
        let timeoutMs = client.configuration.requestTimeoutMs + Int64(maxWaitMs)
        let answers = await withTaskGroup(of: (Int32, Result<ShareFetchResponse, SpoolClientError>).self) { group in
            for (leader, request, _) in requests {
                group.addTask {
                    do {
                        let response = try await client.send(
                            to: leader, maximumVersion: 1, as: ShareFetchResponse.self, timeoutMs: timeoutMs
                        ) { _ in request }
                        return (leader, .success(response))
                    } catch {
                        return (leader, .failure(KafkaClient.clientError(error)))
                    }
                }
            }
            var answers: [Int32: Result<ShareFetchResponse, SpoolClientError>] = [:]
            for await (leader, answer) in group { answers[leader] = answer }
            return answers
        }
        var records: [ShareConsumerRecord] = []
        for (leader, _, sent) in requests {
            guard let answer = answers[leader] else { continue }
            records += try await apply(answer, leader: leader, partitions: Set(byLeader[leader] ?? []), sent: sent)
        }
        return records
    }

    /// The ShareFetch for one leader: on a new session (epoch 0) every partition; on an open one only the
    /// partitions to add and those with acknowledgements, and the ones to forget.
    private func fetchRequest(
        leader: Int32, partitions wanted: Set<TopicPartition>, maxWaitMs: Int32
    ) -> (ShareFetchRequest, [TopicPartition: PendingAcknowledgements]) {
        let session = sessions[leader] ?? ShareSession()
        var sent: [TopicPartition: PendingAcknowledgements] = [:]
        var listed = session.epoch == 0 ? wanted : wanted.subtracting(session.partitions)
        for partition in session.partitions.union(wanted) {
            guard let acknowledgements = pending.removeValue(forKey: partition) else { continue }
            if session.epoch == 0 {
                // A new session cannot carry acknowledgements: the records belonged to the old one, whose end
                // released them on the broker.
                report(partition, .failure(.kafka(.shareSessionNotFound, "acknowledge \(partition)")))
                continue
            }
            sent[partition] = acknowledgements
            listed.insert(partition)
        }
        let forgotten = session.epoch == 0 ? [] : session.partitions.subtracting(wanted)
        var request = ShareFetchRequest(
            groupId: configuration.groupId, memberId: memberId, shareSessionEpoch: session.epoch,
            maxWaitMs: maxWaitMs, minBytes: configuration.fetchMinBytes, maxBytes: configuration.fetchMaxBytes,
            maxRecords: configuration.maxRecords, batchSize: configuration.maxRecords)
        request.topics = Dictionary(grouping: listed, by: \.topic).compactMap { topic, partitions in
            guard let id = topicIds[topic] else { return nil }
            return .init(topicId: id, partitions: partitions.map { partition in
                // v1 has no per-partition byte limit (PartitionMaxBytes was v0 only).
                .init(
                    partitionIndex: partition.partition,
                    acknowledgementBatches: (sent[partition]?.batches() ?? []).map {
                        .init(firstOffset: $0.first, lastOffset: $0.last, acknowledgeTypes: [$0.type])
                    })
            })
        }
        request.forgottenTopicsData = Dictionary(grouping: forgotten, by: \.topic).compactMap { topic, partitions in
            topicIds[topic].map { .init(topicId: $0, partitions: partitions.map(\.partition)) }
        }
        return (request, sent)
    }

    /// Applies one leader's answer: the session's epoch advances (or the session starts over), acknowledgement
    /// outcomes are kept for `commit()`, and the acquired records are returned and held.
    private func apply(
        _ answer: Result<ShareFetchResponse, SpoolClientError>, leader: Int32, partitions: Set<TopicPartition>,
        sent: [TopicPartition: PendingAcknowledgements]
    ) async throws(SpoolClientError) -> [ShareConsumerRecord] {
        let response: ShareFetchResponse
        switch answer {
        case .failure(let error):
            // Whether the broker saw the request is unknown, so the epoch is too: start a new session.
            sessions[leader] = nil
            for partition in sent.keys { report(partition, .failure(error)) }
            if !error.isRetriable { throw error }
            try? await Task.sleep(for: .milliseconds(client.configuration.retryBackoffMs))
            return []
        case .success(let value): response = value
        }
        let code = KafkaErrorCode(response.errorCode)
        guard code == .none else {
            for partition in sent.keys { report(partition, .failure(.kafka(code, "acknowledge \(partition)"))) }
            sessions[leader] = nil
            if code == .shareSessionNotFound || code == .invalidShareSessionEpoch || code.isRetriedByClient {
                client.logger.debug("share session starts over", metadata: ["error": "\(code)"])
                return []
            }
            throw .kafka(code, "share fetch in group \(configuration.groupId)", message: response.errorMessage)
        }
        let epoch = sessions[leader]?.epoch ?? 0
        sessions[leader] = ShareSession(epoch: epoch == .max ? 1 : epoch + 1, partitions: partitions)
        for partition in sent.keys where !isAnswered(partition, in: response) { report(partition, .success(())) }
        var records: [ShareConsumerRecord] = []
        for topic in response.responses {
            guard let name = topicNames[topic.topicId] else { continue }
            for data in topic.partitions {
                let partition = TopicPartition(name, data.partitionIndex)
                if sent[partition] != nil {
                    let ack = KafkaErrorCode(data.acknowledgeErrorCode)
                    report(partition, ack == .none ? .success(()) : .failure(.kafka(ack, "acknowledge \(partition)")))
                }
                let error = KafkaErrorCode(data.errorCode)
                if error != .none {
                    client.logger.debug("share fetch partition error", metadata: ["partition": "\(partition)",
                                                                                   "error": "\(error)"])
                    if error.isRetriedByClient { await client.invalidate(topic: name) }
                    continue
                }
                guard let blob = data.records, !data.acquiredRecords.isEmpty else { continue }
                records += try acquired(blob, data.acquiredRecords, partition: partition)
            }
        }
        return records
    }

    private func isAnswered(_ partition: TopicPartition, in response: ShareFetchResponse) -> Bool {
        guard let id = topicIds[partition.topic] else { return false }
        return response.responses.contains { topic in
            topic.topicId == id && topic.partitions.contains { $0.partitionIndex == partition.partition }
        }
    }

    /// The records of `blob` inside the acquired ranges (a batch may hold records others hold), now held.
    private func acquired(
        _ blob: ByteBuffer, _ ranges: [ShareFetchResponse.AcquiredRecords], partition: TopicPartition
    ) throws(SpoolClientError) -> [ShareConsumerRecord] {
        let sortedRanges = ranges.sorted { $0.firstOffset < $1.firstOffset }
        let last = sortedRanges.map(\.lastOffset).max() ?? sortedRanges[0].lastOffset
        let (decoded, _) = try Consumer.decode(
            blob, partition: partition, from: sortedRanges[0].firstOffset, through: last)
        var records: [ShareConsumerRecord] = []
        records.reserveCapacity(decoded.count)
        var offsets = held[partition] ?? []
        var index = 0
        for record in decoded {
            while index < sortedRanges.count, sortedRanges[index].lastOffset < record.offset { index += 1 }
            guard index < sortedRanges.count else { break }
            let range = sortedRanges[index]
            guard record.offset >= range.firstOffset else { continue }
            offsets.insert(record.offset)
            records.append(ShareConsumerRecord(record: record, deliveryCount: range.deliveryCount, consumer: self))
        }
        held[partition] = offsets
        return records
    }

    /// Sends the pending acknowledgements with ShareAcknowledge, one request per leader with an open session;
    /// `closing` sends epoch -1 to every open session (even without acknowledgements), which ends it.
    func sendAcknowledgements(closing: Bool) async {
        var byLeader: [Int32: [TopicPartition: PendingAcknowledgements]] = [:]
        for (partition, acknowledgements) in pending {
            guard let leader = sessions.first(where: { $0.value.partitions.contains(partition) })?.key,
                sessions[leader]?.epoch ?? 0 > 0
            else {
                report(partition, .failure(.kafka(.shareSessionNotFound, "acknowledge \(partition)")))
                continue
            }
            byLeader[leader, default: [:]][partition] = acknowledgements
        }
        pending.removeAll()
        if closing {
            for (leader, session) in sessions where session.epoch > 0 && byLeader[leader] == nil {
                byLeader[leader] = [:]
            }
        }
        for (leader, acknowledgements) in byLeader {
            await acknowledge(acknowledgements, leader: leader, closing: closing)
        }
        if closing { sessions.removeAll() }
    }

    private func acknowledge(
        _ acknowledgements: [TopicPartition: PendingAcknowledgements], leader: Int32, closing: Bool
    ) async {
        let epoch = closing ? -1 : (sessions[leader]?.epoch ?? 0)
        let (groupId, memberId, topicIds) = (configuration.groupId, self.memberId, self.topicIds)
        let topics = Dictionary(grouping: acknowledgements.keys, by: \.topic).compactMap { topic, partitions in
            topicIds[topic].map { id in
                ShareAcknowledgeRequest.AcknowledgeTopic(topicId: id, partitions: partitions.map { partition in
                    .init(partitionIndex: partition.partition, acknowledgementBatches: (acknowledgements[partition]?
                        .batches() ?? []).map {
                            .init(firstOffset: $0.first, lastOffset: $0.last, acknowledgeTypes: [$0.type])
                        })
                })
            }
        }
        let response: ShareAcknowledgeResponse
        do {
            response = try await client.send(to: leader, maximumVersion: 1, as: ShareAcknowledgeResponse.self) { _ in
                ShareAcknowledgeRequest(groupId: groupId, memberId: memberId, shareSessionEpoch: epoch, topics: topics)
            }
        } catch {
            sessions[leader] = nil
            for partition in acknowledgements.keys { report(partition, .failure(error)) }
            return
        }
        let code = KafkaErrorCode(response.errorCode)
        guard code == .none else {
            sessions[leader] = nil
            for partition in acknowledgements.keys {
                report(partition, .failure(.kafka(code, "acknowledge \(partition)")))
            }
            return
        }
        if !closing, let current = sessions[leader]?.epoch {
            sessions[leader]?.epoch = current == .max ? 1 : current + 1
        }
        for topic in response.responses {
            guard let name = topicNames[topic.topicId] else { continue }
            for data in topic.partitions {
                let partition = TopicPartition(name, data.partitionIndex)
                let error = KafkaErrorCode(data.errorCode)
                report(partition, error == .none ? .success(()) : .failure(.kafka(error, "acknowledge \(partition)")))
            }
        }
    }
}
