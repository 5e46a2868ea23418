import NIOCore
import SpoolLog
import SpoolProtocol

/// Produce (0): decodes the partitions, hands them to the partition layer (which checks, appends and waits for
/// acks) and encodes its outcomes. With acks=0 there is no answer.
struct ProduceHandler: KafkaAPIHandler {
    // The minimum stays low because old librdkafka enables features by testing single versions (Produce 0 for
    // compression); Produce 13 needs topic IDs in requests and is not advertised.
    static let versions: ClosedRange<Int16> = 0...11

    let partitions: PartitionManager

    /// acks=0 has no answer at all.
    func handle(_ request: ProduceRequest, context: RequestContext) async throws -> KafkaReply {
        guard let response = await respond(request, context: context) else { return .none }
        return try KafkaReply.encoding(response, context: context)
    }

    func respond(_ request: ProduceRequest, context: RequestContext) async -> ProduceResponse? {
        let inputs = request.topicData.flatMap { topic in
            topic.partitionData.map {
                ProduceInput(partition: TopicPartition(topic: topic.name, partition: $0.index), records: $0.records)
            }
        }
        let outcomes: [AppendOutcome]
        // A transactional producer needs WRITE on its transactional id for any partition, then WRITE on each topic.
        if let denial = request.transactionalId.flatMap({ context.denial(.write, .transactionalId($0)) }) {
            context.gate.open()
            outcomes = inputs.map { _ in .failed(.init(code: denial, message: "not authorized to use the transactional id")) }
        } else {
            outcomes = await context.authorizing(
                inputs, .write, resource: { .topic($0.partition.topic) },
                refused: { .failed(.init(code: $0, message: "not authorized to write to the topic")) }
            ) { allowed in
                await partitions.appendRecords(
                    allowed, acks: request.acks, timeoutMs: request.timeoutMs, eventLoop: context.eventLoop,
                    queue: context.session.appends, checked: context.gate.openChecked, written: context.gate.open)
            }
        }
        guard request.acks != 0 else {
            // No answer carries the errors: the log line is all the client's operator will see.
            for (input, outcome) in zip(inputs, outcomes) {
                if let error = outcome.error {
                    context.refusals.refused(
                        context, resource: "partition \(input.partition)", code: error.code, reason: error.message)
                }
            }
            return nil
        }
        var response = ProduceResponse()
        var next = outcomes.makeIterator()
        for topic in request.topicData {
            var answer = ProduceResponse.TopicProduceResponse(name: topic.name)
            for partition in topic.partitionData {
                guard let outcome = next.next() else { preconditionFailure("one outcome per partition") }
                if let error = outcome.error {
                    context.refusals.refused(
                        context, resource: "partition \(topic.name)-\(partition.index)", code: error.code,
                        reason: error.message)
                }
                answer.partitionResponses.append(Self.response(partition.index, outcome))
            }
            response.responses.append(answer)
        }
        return response
    }

    private static func response(_ index: Int32, _ outcome: AppendOutcome) -> ProduceResponse.PartitionProduceResponse {
        .init(index: index, errorCode: outcome.error?.code.rawValue ?? 0, baseOffset: outcome.baseOffset,
              logAppendTimeMs: outcome.logAppendTime, logStartOffset: outcome.logStartOffset,
              errorMessage: outcome.error?.message)
    }
}
