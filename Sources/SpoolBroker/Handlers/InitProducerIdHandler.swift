import Logging
import SpoolMetadata
import SpoolProtocol

/// InitProducerId (22): a producer id for an idempotent producer (a new one, epoch 0, from the metadata store so
/// that ids are never reused across restarts), or for a transactional id from the transaction coordinator (the
/// same id with the next epoch, which fences older producers of the id). Kafka reads an empty transactional id as
/// none.
struct InitProducerIdHandler: KafkaResponseHandler {
    // v6 is KIP-939 (two-phase commit), which Spool does not offer.
    static let versions: ClosedRange<Int16> = 0...5

    let catalog: TopicCatalog
    let transactions: TransactionCoordinator
    let logger: Logger

    func respond(_ request: InitProducerIdRequest, context: RequestContext) async
        -> InitProducerIdResponse
    {
        if let transactionalId = request.transactionalId, !transactionalId.isEmpty {
            if let denial = context.denial(.write, .transactionalId(transactionalId)) {
                return InitProducerIdResponse(errorCode: denial.rawValue, producerId: -1, producerEpoch: -1)
            }
            let (code, producerId, epoch) = await transactions.initProducerId(
                transactionalId: transactionalId, timeoutMs: request.transactionTimeoutMs,
                producerId: context.version >= 3 ? request.producerId : -1,
                producerEpoch: context.version >= 3 ? request.producerEpoch : -1, version: context.version)
            if code == .invalidTransactionTimeout {
                context.refusals.refused(
                    context, resource: "transactional id \(transactionalId)", code: code,
                    reason: "transaction.timeout.ms \(request.transactionTimeoutMs) is not within 1 and "
                        + "transaction.max.timeout.ms (\(transactions.settings.maxTimeoutMs))")
            }
            return InitProducerIdResponse(errorCode: code.rawValue, producerId: producerId, producerEpoch: epoch)
        }
        // An idempotent producer needs IDEMPOTENT_WRITE on the cluster, or WRITE on some topic (KIP-679).
        guard context.isAllowed(.idempotentWrite, .cluster, quietly: true) || context.isAllowedOnAny(.write, type: .topic)
        else {
            context.refusals.refused(
                context, resource: AclResource.cluster.description, code: .clusterAuthorizationFailed,
                reason: "\(context.session.principal) may neither IDEMPOTENT_WRITE the cluster nor WRITE any topic")
            return InitProducerIdResponse(
                errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1)
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
