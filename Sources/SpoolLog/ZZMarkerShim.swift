// TEMPORARY, not committed: replaced by the txn-log branch.
extension LogManager {
    public func appendMarker(producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool,
                             to log: PartitionLog) async throws -> Int64 {
        throw LogError.invalidArgument("markers not built yet")
    }
}
