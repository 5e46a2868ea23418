import Logging
import SpoolMetadata
import SpoolProtocol

/// InitProducerId (22): a new producer id (epoch 0) for an idempotent producer, from the metadata store so
/// that ids are never reused across restarts. Transactional ids are refused: transactions are not built yet.
/// Clients ask FindCoordinator first and stop there; this answer is for one that asks here directly.
struct InitProducerIdHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...5

    let catalog: TopicCatalog
    let logger: Logger

    func respond(_ request: InitProducerIdRequest, context: RequestContext) async
        -> InitProducerIdResponse
    {
        guard request.transactionalId == nil else {
            context.refusals.refused(
                context, resource: "transactional id \(request.transactionalId ?? "")",
                code: .transactionalIdAuthorizationFailed, reason: FindCoordinatorHandler.transactionsUnsupported)
            // The same fatal answer as FindCoordinator gives transaction keys (see FindCoordinatorHandler):
            // librdkafka retries INVALID_REQUEST here until its timeout (rd_kafka_idemp_check_error).
            return InitProducerIdResponse(errorCode: KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue)
        }
        do {
            let (producerId, epoch) = try await catalog.store.allocateProducerId()
            return InitProducerIdResponse(errorCode: 0, producerId: producerId, producerEpoch: epoch)
        } catch {
            logger.error("producer id allocation failed", metadata: ["error": "\(error)"])
            return InitProducerIdResponse(errorCode: KafkaErrorCode.kafkaStorageError.rawValue)
        }
    }
}
