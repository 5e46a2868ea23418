import NIOCore
import SpoolProtocol
import SpoolRecords

extension Producer {
    /// Takes, for every partition, its batches to retry, then, while it has room in flight, its full
    /// batches in order and its open batch once it has lingered long enough (at once while flushing), and
    /// hands them to the sending task.
    func drain() {
        let now = ContinuousClock.now
        var taken: [Batch] = []
        for target in Set(open.keys).union(sealed.keys).union(retries.keys) { take(target, now: now, into: &taken) }
        send(taken)
    }

    /// `drain` for one partition (after a record was added to it).
    func drain(_ target: TopicPartition) {
        var taken: [Batch] = []
        take(target, now: .now, into: &taken)
        send(taken)
    }

    private func take(_ target: TopicPartition, now: ContinuousClock.Instant, into taken: inout [Batch]) {
        if let wait = notBefore[target], wait > now { return }
        if let again = retries.removeValue(forKey: target) { taken += again }  // counted in flight already
        var count = inFlight[target] ?? 0
        let limit = configuration.maxInFlightBatchesPerPartition
        if var queue = sealed[target] {
            while count < limit, !queue.isEmpty {
                taken.append(queue.removeFirst())
                count += 1
            }
            sealed[target] = queue.isEmpty ? nil : queue
        }
        if count < limit, sealed[target] == nil, let created = open[target]?.created {
            // A partial batch joins batches already in flight only once it is `pipelinedLinger` old: with linger
            // 0, a fast producer would otherwise send a request per handful of records while earlier ones wait
            // for their fsync, and spend both processes' CPU on requests instead of records.
            var linger = Duration.milliseconds(configuration.lingerMs)
            if count > 0 { linger = max(linger, Self.pipelinedLinger) }
            // (Fields are read and set in place: copying the batch would retain its arrays once per record.)
            if flushing > 0 || now >= created + linger, let batch = open.removeValue(forKey: target) {
                taken.append(batch)
                count += 1
                if sticky[target.topic] == target.partition { sticky[target.topic] = nil }
            } else if open[target]?.wakeScheduled == false, linger > .milliseconds(configuration.lingerMs) {
                open[target]?.wakeScheduled = true
                let due = created + linger
                Task { [weak self] in
                    try? await Task.sleep(until: due, clock: .continuous)
                    await self?.drain(target)
                }
            }
        }
        inFlight[target] = count == 0 ? nil : count
    }

    /// Hands batches to the sending task, starting it when it is not running.
    private func send(_ taken: [Batch]) {
        guard !taken.isEmpty else { return }
        outbox += taken
        if !isSending {
            isSending = true
            Task { await self.sendOutbox() }
        }
    }

    /// The one sending task: encodes batches (sequence numbers in the order `drain` took them) and writes
    /// them, one request per leader and round, before looking at the next ones, so a partition's batches
    /// reach the broker in order however many are in flight. A batch whose partition has an earlier batch
    /// waiting to be retried (it failed while this one waited here) joins the retries behind it instead.
    private func sendOutbox() async {
        while !outbox.isEmpty {
            let batches = outbox
            outbox.removeAll()
            var byLeader: [Int32: [Batch]] = [:]
            for var batch in batches {
                if mustFollowRetries(batch) {
                    queueRetry(batch)
                    continue
                }
                do {
                    if batch.wire == nil { try await encode(&batch) }
                } catch {
                    finish(batch, with: error)
                    continue
                }
                do {
                    byLeader[try await client.leader(of: batch.partition), default: []].append(batch)
                } catch {
                    retryOrFail(batch, error)
                }
            }
            for (leader, batches) in byLeader {
                // A request carries one batch per partition (brokers append a request's partitions
                // concurrently), so a partition's second batch goes in the next request.
                var rounds: [[Batch]] = []
                var round: [TopicPartition: Int] = [:]
                for batch in batches {
                    let index = round[batch.partition, default: 0]
                    round[batch.partition] = index + 1
                    if index == rounds.count { rounds.append([]) }
                    rounds[index].append(batch)
                }
                for requestBatches in rounds {
                    let ready = requestBatches.filter { batch in
                        guard mustFollowRetries(batch) else { return true }
                        queueRetry(batch)
                        return false
                    }
                    if !ready.isEmpty { await produce(to: leader, ready) }
                }
            }
        }
        isSending = false
    }

    /// Whether an earlier batch of the batch's partition waits to be sent again.
    private func mustFollowRetries(_ batch: Batch) -> Bool {
        guard let waiting = retries[batch.partition], !waiting.isEmpty else { return false }
        guard let mine = batch.sequence else { return true }
        return waiting.contains { other in other.sequence.map { $0 < mine } ?? false }
    }

    /// Builds the batch's bytes as they go on the wire, once, so that every retry resends them unchanged.
    private func encode(_ batch: inout Batch) async throws(SpoolClientError) {
        var builder = batch.builder
        if configuration.idempotent {
            let identity = try await identity()
            let sequence = sequences[batch.partition] ?? 0
            builder.producerId = identity.id
            builder.producerEpoch = identity.epoch
            builder.baseSequence = sequence
            sequences[batch.partition] = sequence &+ builder.count
            batch.sequence = sequence
            unacknowledged[batch.partition, default: []].insert(sequence)
        }
        guard configuration.compression != .none else {
            batch.wire = builder.build()
            return
        }
        do {
            let records = try RecordCompression.compress(builder.uncompressedRecords, codec: configuration.compression)
            batch.wire = builder.build(codec: configuration.compression.rawValue, compressedRecords: records)
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

    /// Writes one Produce request for the batches; its answer is awaited in a task of its own, so the
    /// sending task can write the next request at once.
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
        let pending: PendingResponse<ProduceResponse>
        do {
            pending = try await client.start(to: leader, maximumVersion: 11, as: ProduceResponse.self) { _ in request }
        } catch {
            for batch in batches { retryOrFail(batch, error) }
            return
        }
        Task {
            let response: ProduceResponse
            do {
                response = try await pending.get()
            } catch {
                for batch in batches { self.retryOrFail(batch, KafkaClient.clientError(error)) }
                return
            }
            self.handle(response, for: batches)
        }
    }

    private func handle(_ response: ProduceResponse, for batches: [Batch]) {
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
            let error = SpoolClientError.kafka(code, "produce to \(batch.partition)", message: answer.errorMessage)
            if code == .none || (code == .duplicateSequenceNumber && answer.baseOffset >= 0) {
                complete(batch, baseOffset: answer.baseOffset, logAppendTime: answer.logAppendTimeMs)
            } else if code == .outOfOrderSequenceNumber, let sequence = batch.sequence,
                unacknowledged[batch.partition]?.contains(where: { $0 < sequence }) == true
            {
                // An earlier batch of this partition failed and will be sent again: this one follows it.
                retryOrFail(batch, error, retriable: true)
            } else {
                retryOrFail(batch, error)
            }
        }
    }

    private func complete(_ batch: Batch, baseOffset: Int64, logAppendTime: Int64) {
        for (index, waiter) in batch.waiters.enumerated() {
            waiter.call(
                .success(
                    RecordMetadata(
                        topic: batch.partition.topic, partition: batch.partition.partition,
                        offset: baseOffset < 0 ? -1 : baseOffset + Int64(index),
                        timestamp: logAppendTime >= 0 ? logAppendTime : batch.timestamps[index])))
        }
        release(batch)
    }

    private func finish(_ batch: Batch, with error: SpoolClientError) {
        for waiter in batch.waiters { waiter.call(.failure(error)) }
        release(batch)
    }

    /// A retriable failure queues the batch to be sent again (same bytes, same sequence numbers), in
    /// sequence order with the partition's other retries and ahead of its new batches, after a pause and a
    /// metadata refresh; anything else fails its records.
    private func retryOrFail(_ batch: Batch, _ error: SpoolClientError, retriable: Bool = false) {
        let pause = Duration.milliseconds(client.configuration.retryBackoffMs)
        guard retriable || error.isRetriable, !isClosed || flushing > 0, ContinuousClock.now + pause < batch.deadline
        else {
            if configuration.idempotent, batch.wire != nil {
                // The broker's sequence for this partition is unknown now: start again with a new identity.
                producerIdentity = nil
                identityTask = nil
                sequences.removeAll()
            }
            finish(batch, with: error)
            return
        }
        queueRetry(batch)
        partitionCounts[batch.partition.topic] = nil
        let due = ContinuousClock.now + pause
        notBefore[batch.partition] = due
        let client = self.client
        Task {
            await client.invalidate(topic: batch.partition.topic)
            try? await Task.sleep(until: due, clock: .continuous)
            self.drain()
        }
    }

    /// Puts a batch (still counted in flight) among its partition's retries, in sequence order.
    private func queueRetry(_ batch: Batch) {
        var queue = retries[batch.partition] ?? []
        let position =
            queue.firstIndex { other in
                guard let mine = batch.sequence else { return false }
                guard let theirs = other.sequence else { return true }
                return theirs > mine
            } ?? queue.endIndex
        queue.insert(batch, at: position)
        retries[batch.partition] = queue
    }

    private func release(_ batch: Batch) {
        let count = (inFlight[batch.partition] ?? 1) - 1
        inFlight[batch.partition] = count > 0 ? count : nil
        if let sequence = batch.sequence {
            unacknowledged[batch.partition]?.remove(sequence)
            if unacknowledged[batch.partition]?.isEmpty == true { unacknowledged[batch.partition] = nil }
        }
        if inFlight[batch.partition] == nil { notBefore[batch.partition] = nil }
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
