import NIOCore
import SpoolProtocol
import SpoolRecords

extension Producer {
    /// Takes, for every partition with nothing in flight, its oldest full batch, or its open batch once
    /// it has lingered long enough (at once while flushing), and sends them grouped by leader.
    func drain() {
        let now = ContinuousClock.now
        var taken: [Batch] = []
        for target in Set(open.keys).union(sealed.keys) where !inFlight.contains(target) {
            if let wait = notBefore[target], wait > now { continue }
            if var queue = sealed[target], !queue.isEmpty {
                taken.append(queue.removeFirst())
                sealed[target] = queue.isEmpty ? nil : queue
            } else if let batch = open[target],
                flushing > 0 || now >= batch.created + .milliseconds(configuration.lingerMs)
            {
                taken.append(batch)
                open[target] = nil
                if sticky[target.topic] == target.partition { sticky[target.topic] = nil }
            } else {
                continue
            }
            inFlight.insert(target)
        }
        guard !taken.isEmpty else { return }
        Task { await self.dispatch(taken) }
    }

    private func dispatch(_ batches: [Batch]) async {
        var prepared: [Batch] = []
        for var batch in batches {
            do {
                if batch.wire == nil { batch.wire = try await encode(batch) }
                prepared.append(batch)
            } catch {
                finish(batch, with: error)
            }
        }
        var byLeader: [Int32: [Batch]] = [:]
        for batch in prepared {
            do {
                byLeader[try await client.leader(of: batch.partition), default: []].append(batch)
            } catch {
                retryOrFail(batch, error)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for (leader, batches) in byLeader {
                group.addTask { await self.produce(to: leader, batches) }
            }
        }
    }

    /// The batch's bytes as they go on the wire, built once so that every retry resends them unchanged.
    private func encode(_ batch: Batch) async throws(SpoolClientError) -> ByteBuffer {
        var builder = batch.builder
        if configuration.idempotent {
            let identity = try await identity()
            let sequence = sequences[batch.partition] ?? 0
            builder.producerId = identity.id
            builder.producerEpoch = identity.epoch
            builder.baseSequence = sequence
            sequences[batch.partition] = sequence &+ builder.count
        }
        guard configuration.compression != .none else { return builder.build() }
        do {
            let records = try RecordCompression.compress(builder.uncompressedRecords, codec: configuration.compression)
            return builder.build(codec: configuration.compression.rawValue, compressedRecords: records)
        } catch {
            throw .invalidArgument("cannot compress a batch for \(batch.partition): \(error)")
        }
    }

    /// The producer id and epoch from InitProducerId, asked for once.
    private func identity() async throws(SpoolClientError) -> (id: Int64, epoch: Int16) {
        if let producerIdentity { return producerIdentity }
        let task: Task<(id: Int64, epoch: Int16), any Error>
        if let identityTask {
            task = identityTask
        } else {
            let client = self.client
            let deadline = configuration.deliveryTimeoutMs
            task = Task {
                try await client.withRetries(deadlineMs: deadline) { () async throws(SpoolClientError) in
                    let response = try await client.send(maximumVersion: 4, as: InitProducerIdResponse.self) { _ in
                        InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 60_000)
                    }
                    guard response.errorCode == 0 else {
                        throw SpoolClientError.kafka(KafkaErrorCode(response.errorCode), "InitProducerId")
                    }
                    return (response.producerId, response.producerEpoch)
                }
            }
            identityTask = task
        }
        do {
            let identity = try await task.value
            producerIdentity = identity
            return identity
        } catch {
            identityTask = nil
            throw KafkaClient.clientError(error)
        }
    }

    private func produce(to leader: Int32, _ batches: [Batch]) async {
        let acks = configuration.acks
        let timeoutMs = Int32(clamping: client.configuration.requestTimeoutMs)
        var topics: [String: [ProduceRequest.PartitionProduceData]] = [:]
        for batch in batches {
            topics[batch.partition.topic, default: []].append(
                .init(index: batch.partition.partition, records: batch.wire))
        }
        let topicData = topics.map { ProduceRequest.TopicProduceData(name: $0.key, partitionData: $0.value) }
        let request = ProduceRequest(
            transactionalId: nil, acks: acks.rawValue, timeoutMs: timeoutMs, topicData: topicData)
        if acks == .none {
            do {
                try await client.sendWithoutResponse(to: leader, maximumVersion: 11) { _ in request }
                for batch in batches { complete(batch, baseOffset: -1, logAppendTime: -1) }
            } catch {
                for batch in batches { retryOrFail(batch, error) }
            }
            return
        }
        let response: ProduceResponse
        do {
            response = try await client.send(to: leader, maximumVersion: 11, as: ProduceResponse.self) { _ in request }
        } catch {
            for batch in batches { retryOrFail(batch, error) }
            return
        }
        var answers: [TopicPartition: ProduceResponse.PartitionProduceResponse] = [:]
        for topic in response.responses {
            for partition in topic.partitionResponses {
                answers[TopicPartition(topic.name, partition.index)] = partition
            }
        }
        for batch in batches {
            guard let answer = answers[batch.partition] else {
                retryOrFail(batch, .protocolViolation("no produce answer for \(batch.partition)"))
                continue
            }
            let code = KafkaErrorCode(answer.errorCode)
            if code == .none || (code == .duplicateSequenceNumber && answer.baseOffset >= 0) {
                complete(batch, baseOffset: answer.baseOffset, logAppendTime: answer.logAppendTimeMs)
            } else {
                retryOrFail(batch, .kafka(code, "produce to \(batch.partition)", message: answer.errorMessage))
            }
        }
    }

    private func complete(_ batch: Batch, baseOffset: Int64, logAppendTime: Int64) {
        for (index, waiter) in batch.waiters.enumerated() {
            waiter(
                .success(
                    RecordMetadata(
                        topic: batch.partition.topic, partition: batch.partition.partition,
                        offset: baseOffset < 0 ? -1 : baseOffset + Int64(index),
                        timestamp: logAppendTime >= 0 ? logAppendTime : batch.timestamps[index])))
        }
        release(batch)
    }

    private func finish(_ batch: Batch, with error: SpoolClientError) {
        for waiter in batch.waiters { waiter(.failure(error)) }
        release(batch)
    }

    /// A retriable failure puts the batch back at the head of its partition's queue (same bytes, same
    /// sequence numbers) after a pause and a metadata refresh; anything else fails its records.
    private func retryOrFail(_ batch: Batch, _ error: SpoolClientError) {
        let pause = Duration.milliseconds(client.configuration.retryBackoffMs)
        guard error.isRetriable, !isClosed || flushing > 0, ContinuousClock.now + pause < batch.deadline else {
            if configuration.idempotent, batch.wire != nil {
                // The broker's sequence for this partition is unknown now: start again with a new identity.
                producerIdentity = nil
                identityTask = nil
                sequences.removeAll()
            }
            finish(batch, with: error)
            return
        }
        inFlight.remove(batch.partition)
        sealed[batch.partition, default: []].insert(batch, at: 0)
        let due = ContinuousClock.now + pause
        notBefore[batch.partition] = due
        let client = self.client
        Task {
            await client.invalidate(topic: batch.partition.topic)
            try? await Task.sleep(until: due, clock: .continuous)
            self.drain()
        }
    }

    private func release(_ batch: Batch) {
        inFlight.remove(batch.partition)
        notBefore[batch.partition] = nil
        bufferedBytes -= batch.bytes
        let waiting = spaceWaiters
        spaceWaiters.removeAll()
        for waiter in waiting { waiter.resume() }
        if isIdle {
            let idle = idleWaiters
            idleWaiters.removeAll()
            for waiter in idle { waiter.resume() }
        }
        drain()
    }
}
