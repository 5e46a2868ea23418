import NIOCore
import SpoolLog
import SpoolProtocol
import SpoolRecords

/// Produce (0): each partition's batches are checked and appended to its log; with acks=all the answer
/// waits for the group-commit fsync that covers them, with acks=1 for the write to reach the OS, and with
/// acks=0 there is no answer. Partitions are written concurrently, so acks=all partitions share fsyncs.
enum ProduceHandler {
    static func handle(_ request: ProduceRequest, context: RequestContext, broker: BrokerState) async
        -> ProduceResponse?
    {
        let start = ContinuousClock.now
        let acks = request.acks
        // Appends first, every partition at once and in request order across the connection; then, with
        // acks=all, the fsync waits, which the next request's appends may overlap.
        var appended: [(topic: String, results: [PartitionOutcome])] = []
        for topic in request.topicData {
            let entry = broker.catalog.topic(topic.name)
            let results = await withTaskGroup(of: PartitionOutcome.self) { group in
                for partition in topic.partitionData {
                    group.addTask {
                        guard acks == 0 || acks == 1 || acks == -1 else {
                            return .failed(failure(partition.index, .invalidRequiredAcks, "acks must be 0, 1 or -1 (all)"))
                        }
                        guard let log = entry?.log(partition.index) else {
                            return .failed(failure(partition.index, .unknownTopicOrPartition, nil))
                        }
                        return await append(partition, to: log, remote: context.remote, broker: broker)
                    }
                }
                var results: [PartitionOutcome] = []
                for await result in group { results.append(result) }
                return results
            }
            appended.append((topic.name, results))
        }
        context.gate.open()
        var response = ProduceResponse()
        for (name, results) in appended {
            var answer = ProduceResponse.TopicProduceResponse(name: name)
            answer.partitionResponses = await withTaskGroup(of: ProduceResponse.PartitionProduceResponse.self) { group in
                for result in results {
                    group.addTask { await result.settle(durable: acks == -1, broker: broker) }
                }
                var responses: [ProduceResponse.PartitionProduceResponse] = []
                for await response in group { responses.append(response) }
                return responses.sorted { $0.index < $1.index }
            }
            response.responses.append(answer)
        }
        broker.metrics.produceLatency.record(duration: ContinuousClock.now - start)
        return acks == 0 ? nil : response
    }

    /// A partition after its appends: failed, or written up to `last` and waiting to be answered.
    enum PartitionOutcome: Sendable {
        case failed(ProduceResponse.PartitionProduceResponse)
        case written(index: Int32, log: PartitionLog, first: AppendInfo, last: AppendInfo)

        /// The answer, after the fsync that covers the appends when `durable`.
        func settle(durable: Bool, broker: BrokerState) async -> ProduceResponse.PartitionProduceResponse {
            switch self {
            case .failed(let response):
                return response
            case .written(let index, let log, let first, let last):
                if durable {
                    do {
                        try await broker.logManager.flush(log, upTo: last.lastOffset)
                    } catch let error as LogError {
                        return failure(index, BrokerError(wrapping: error).code, error.description)
                    } catch {
                        return failure(index, .unknownServerError, "\(error)")
                    }
                }
                return .init(
                    index: index, errorCode: 0, baseOffset: first.baseOffset, logAppendTimeMs: first.logAppendTime,
                    logStartOffset: last.logStartOffset)
            }
        }
    }

    private static func append(_ partition: ProduceRequest.PartitionProduceData, to log: PartitionLog,
                               remote: String, broker: BrokerState) async -> PartitionOutcome
    {
        func refuse(_ code: KafkaErrorCode, _ message: String) -> PartitionOutcome {
            // Bytes that do not add up come from a broken client or a broken network: worth one line each.
            broker.logger.warning(
                "refusing a produced batch",
                metadata: [
                    "remote": "\(remote)", "partition": "\(log.topicPartition)", "errorCode": "\(code.rawValue)",
                    "error": "\(message)",
                ])
            return .failed(failure(partition.index, code, message))
        }
        guard let records = partition.records, records.readableBytes > 0 else {
            return .failed(failure(partition.index, .invalidRecord, "the partition carries no record batch"))
        }
        broker.metrics.bytesIn.increment(by: records.readableBytes)
        let batches: [RecordBatch]
        do {
            batches = try RecordBatch.split(records)
        } catch {
            return refuse(BrokerError(wrapping: error).code, error.description)
        }
        // Every batch is checked before the first is appended, so that a refused partition appends nothing: the
        // client retries it whole. These are the client rules (Kafka's LogValidator), which the log does not apply:
        // it also takes what recovery and compaction write. The log checks the CRC before writing, so one batch
        // (what clients send) leaves the CRC to it; several need theirs here, all before the first append.
        let maxBytes = log.logConfig.maxMessageBytes
        let maxDecompressedBytes = broker.configuration.maximumDecompressedBatchBytes
        for batch in batches {
            // A client's batch starts at offset 0 (the broker assigns offsets).
            guard batch.baseOffset == 0 else {
                return refuse(.invalidRecord, "batch base offset \(batch.baseOffset) is not 0")
            }
            do {
                try ProducedBatchValidator.validate(
                    batch, maxBytes: maxBytes, maxDecompressedBytes: maxDecompressedBytes, checksum: batches.count > 1)
            } catch {
                return refuse(BrokerError(wrapping: error).code, error.description)
            }
        }
        var first: AppendInfo?
        var last: AppendInfo?
        for batch in batches {
            do {
                let info = try await broker.logManager.append(batch, to: log)
                first = first ?? info
                last = info
            } catch let error as LogError where error.batchError != nil {
                return refuse(BrokerError(wrapping: error).code, error.description)
            } catch let error as LogError {
                return .failed(failure(partition.index, BrokerError(wrapping: error).code, error.description))
            } catch {
                return .failed(failure(partition.index, .unknownServerError, "\(error)"))
            }
        }
        broker.appends.appended(to: log.topicPartition)
        guard let first, let last else {
            return .failed(failure(partition.index, .invalidRecord, "the partition carries no record batch"))
        }
        return .written(index: partition.index, log: log, first: first, last: last)
    }

    static func failure(_ index: Int32, _ code: KafkaErrorCode, _ message: String?)
        -> ProduceResponse.PartitionProduceResponse
    {
        .init(index: index, errorCode: code.rawValue, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
              errorMessage: message)
    }
}
