import SpoolProtocol
import Testing

@testable import SpoolBroker

/// Spool has no transactions yet; a transactional producer must hear so at once, with an error clients treat as
/// fatal (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), not a retriable one they repeat until their own timeout.
@Suite struct TransactionRefusalTests {
    @Test("FindCoordinator refuses transaction keys at every version with a fatal error and says why")
    func findCoordinatorRefusesTransactionKeys() async throws {
        let broker = try await RoutedBroker()
        let refused = KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue
        for version in try #require(broker.router.registry.versions(of: .findCoordinator)) where version >= 1 {
            var request = FindCoordinatorRequest(keyType: 1)
            if version >= 4 { request.coordinatorKeys = ["t1", "t2"] } else { request.key = "t1" }
            let response = try await broker.call(request, version: version, as: FindCoordinatorResponse.self)
            if version >= 4 {
                #expect(response.coordinators.map(\.errorCode) == [refused, refused], "v\(version)")
                #expect(response.coordinators.allSatisfy { $0.nodeId == -1 && $0.errorMessage?.contains(
                    "transactions are not supported") == true }, "v\(version)")
            } else {
                #expect(response.errorCode == refused && response.nodeId == -1, "v\(version)")
                #expect(response.errorMessage?.contains("transactions are not supported") == true, "v\(version)")
            }
        }
        try await broker.stop()
    }

    @Test("InitProducerId with a transactional id is refused with the same fatal error at every version")
    func initProducerIdRefusesTransactionalIds() async throws {
        let broker = try await RoutedBroker()
        for version in try #require(broker.router.registry.versions(of: .initProducerId)) {
            let request = InitProducerIdRequest(transactionalId: "t1", transactionTimeoutMs: 60000)
            let response = try await broker.call(request, version: version, as: InitProducerIdResponse.self)
            #expect(response.errorCode == KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue, "v\(version)")
            let idempotent = try await broker.call(
                InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: -1),
                version: version, as: InitProducerIdResponse.self)
            #expect(idempotent.errorCode == 0 && idempotent.producerId >= 0, "v\(version)")
        }
        try await broker.stop()
    }
}
