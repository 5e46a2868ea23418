import SpoolMetadata
import SpoolProtocol

/// InitProducerId (22): a new producer id (epoch 0) for an idempotent producer, from the metadata store so
/// that ids are never reused across restarts. Transactional ids are refused: transactions are not built yet.
enum InitProducerIdHandler {
    static func handle(_ request: InitProducerIdRequest, context: RequestContext, broker: BrokerState) async
        -> InitProducerIdResponse
    {
        guard request.transactionalId == nil else {
            broker.logger.info(
                "refusing a transactional producer: transactions are not supported",
                metadata: ["remote": "\(context.remote)", "transactionalId": "\(request.transactionalId ?? "")"])
            return InitProducerIdResponse(errorCode: KafkaErrorCode.invalidRequest.rawValue)
        }
        do {
            let (producerId, epoch) = try await broker.catalog.store.allocateProducerId()
            return InitProducerIdResponse(errorCode: 0, producerId: producerId, producerEpoch: epoch)
        } catch {
            broker.logger.error("producer id allocation failed", metadata: ["error": "\(error)"])
            return InitProducerIdResponse(errorCode: KafkaErrorCode.kafkaStorageError.rawValue)
        }
    }
}
