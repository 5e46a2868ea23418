import NIOCore

/// Transaction markers: the control batches the broker writes to end a transaction on a partition.
///
/// A marker batch holds one record whose key is `i16 version 0, i16 type` (0 abort, 1 commit) and whose value is
/// `i16 version 0, i32 coordinatorEpoch`; its attributes set the transactional and control bits (0x30), its base
/// sequence is -1, and it carries the producer id and epoch of the transaction it ends. The log stamps the offset
/// and the leader epoch when it places the batch (outside the CRC). A namespace: no state.
public enum ControlBatch {
    /// The attributes of every marker batch: transactional (bit 4) and control (bit 5), uncompressed.
    public static let markerAttributes: Int16 = 0x30

    /// What a marker says.
    public struct Marker: Equatable, Sendable {
        /// The producer whose transaction it ends.
        public var producerId: Int64
        /// The producer epoch it was written with.
        public var producerEpoch: Int16
        /// The coordinator epoch it was written under.
        public var coordinatorEpoch: Int32
        /// Commit (true) or abort (false).
        public var commit: Bool

        public init(producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, commit: Bool) {
            self.producerId = producerId
            self.producerEpoch = producerEpoch
            self.coordinatorEpoch = coordinatorEpoch
            self.commit = commit
        }
    }

    /// A commit or abort marker batch, base offset 0, ready for the log to place.
    /// - Parameters:
    ///   - producerId: the transactional producer's id.
    ///   - epoch: the producer epoch the coordinator ends the transaction with.
    ///   - coordinatorEpoch: the coordinator's epoch.
    ///   - commit: a commit marker (true) or an abort marker (false).
    ///   - timestamp: the record's timestamp in milliseconds.
    public static func marker(
        producerId: Int64, epoch: Int16, coordinatorEpoch: Int32, commit: Bool, timestamp: Int64
    ) -> RecordBatch {
        var builder = RecordBatchBuilder(
            producerId: producerId, producerEpoch: epoch, baseSequence: -1, isTransactional: true, capacity: 32)
        builder.isControl = true
        var key = ByteBuffer()
        key.writeInteger(Int16(0))
        key.writeInteger(Int16(commit ? 1 : 0))
        var value = ByteBuffer()
        value.writeInteger(Int16(0))
        value.writeInteger(coordinatorEpoch)
        builder.append(key: key, value: value, timestamp: timestamp)
        // The builder's output is always one well-formed batch.
        guard let batch = try? RecordBatch(buffer: builder.build()) else {
            preconditionFailure("a built marker batch does not parse")
        }
        return batch
    }

    /// Reads a marker batch.
    /// - Parameter batch: a whole control batch (not a header-only view).
    /// - Returns: what the marker says.
    /// - Throws: `RecordBatchError.invalidRecord` when the batch is not a control batch, holds other than one
    ///   record, or its key or value is not a version-0 marker's.
    public static func parse(_ batch: RecordBatch) throws(RecordBatchError) -> Marker {
        guard batch.isControl else { throw .invalidRecord("not a control batch (attributes \(batch.attributes))") }
        let records = try batch.records()
        guard records.count == 1, let record = records.first else {
            throw .invalidRecord("a control batch holds \(records.count) records, not 1")
        }
        guard let type = markerType(key: record.key) else {
            throw .invalidRecord("control record key is not a version-0 commit or abort marker")
        }
        guard var value = record.value, value.readableBytes >= 6, value.readInteger(as: Int16.self) == 0,
              let coordinatorEpoch = value.readInteger(as: Int32.self)
        else { throw .invalidRecord("control record value is not a version-0 marker value") }
        return Marker(
            producerId: batch.producerId, producerEpoch: batch.producerEpoch, coordinatorEpoch: coordinatorEpoch,
            commit: type == 1)
    }

    /// The marker type of a control record's key: 0 abort, 1 commit, nil for anything else (an unknown control
    /// type, a newer key version, a short key).
    /// - Parameter key: the control record's key.
    public static func markerType(key: ByteBuffer?) -> Int16? {
        guard var key, key.readableBytes >= 4, key.readInteger(as: Int16.self) == 0,
              let type = key.readInteger(as: Int16.self), type == 0 || type == 1
        else { return nil }
        return type
    }
}
