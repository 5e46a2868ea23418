import NIOCore

/// What a producer may send, beyond what the log checks for integrity: Kafka's `LogValidator` for batches
/// whose origin is a client. Stateless and thread-safe.
///
/// Recovery and reads check stored batches for integrity only (`StoredBatchIntegrity` in SpoolLog: magic, length,
/// CRC, offsets), and must keep accepting what clients may not send (control batches written by a transaction
/// coordinator, compacted batches whose offset deltas have gaps). So these rules live here, and only the produce
/// path applies them:
/// - the compression codec is 0-4 (UNSUPPORTED_COMPRESSION_TYPE otherwise);
/// - the control bit is clear, and an idempotent batch carries a base sequence (INVALID_RECORD);
/// - every record parses within the batch, fields filling exactly its declared length, with offsetDelta equal
///   to its index (INVALID_RECORD), no record runs past the batch and no bytes follow the last (CORRUPT_MESSAGE);
/// - a compressed section decompresses within `maxDecompressedBytes` (MESSAGE_TOO_LARGE past it,
///   CORRUPT_MESSAGE for garbage), and its records pass the same walk;
/// - with `requireKeys` (a compacted topic), every record has a key (INVALID_RECORD), checked in the same walk
///   and so after decompression, at no extra pass.
///
/// The walk reads bytes in place: it builds no `Record` values and allocates nothing for an uncompressed batch.
public enum ProducedBatchValidator {
    /// The smallest record: a one-byte length, then attributes, timestampDelta, offsetDelta, key length,
    /// value length and header count of one byte each.
    public static let minimumRecordSize = 7

    /// Checks a batch from a producer: the integrity checks of `RecordBatch.validate`, then Kafka's client rules.
    /// - Parameters:
    ///   - batch: the batch as the producer sent it.
    ///   - maxBytes: the largest batch allowed (max.message.bytes), or nil for no limit.
    ///   - maxDecompressedBytes: the largest records section a compressed batch may decompress to.
    ///   - checksum: whether to check the CRC first. Pass false when the log checks it before writing anyway: the
    ///     CRC is then computed only when a rule fails, so that corruption is still answered as CORRUPT_MESSAGE
    ///     (which clients retry) rather than as the rule the damaged bytes happen to break.
    ///   - requireKeys: whether every record must have a key (Kafka refuses keyless records on a compacted topic);
    ///     a record without one is `RecordBatchError.missingKey`.
    /// - Throws: `RecordBatchError` naming the first rule broken; its `kind` says which answer to give.
    public static func validate(_ batch: RecordBatch, maxBytes: Int?, maxDecompressedBytes: Int, checksum: Bool = true,
                                requireKeys: Bool = false) throws(RecordBatchError)
    {
        if let maxBytes, batch.sizeInBytes > maxBytes { throw .tooLarge(size: batch.sizeInBytes, limit: maxBytes) }
        if checksum { try batch.validateChecksum() }
        do {
            try validateRules(batch, maxDecompressedBytes: maxDecompressedBytes, requireKeys: requireKeys)
        } catch {
            if !checksum { try batch.validateChecksum() }
            throw error
        }
    }

    /// The checks after size and CRC, in RecordBatch.validate's order: the count, then the client rules.
    private static func validateRules(_ batch: RecordBatch, maxDecompressedBytes: Int, requireKeys: Bool)
        throws(RecordBatchError)
    {
        try batch.validateCount()
        guard let codec = CompressionCodec(rawValue: batch.compressionCodec) else {
            throw .unsupportedCompression(batch.compressionCodec)
        }
        guard !batch.isControl else {
            throw .invalidRecord("clients may not write control batches (attributes bit 5 is set)")
        }
        if batch.producerId >= 0, batch.baseSequence < 0 {
            throw .invalidRecord("producer id \(batch.producerId) with base sequence \(batch.baseSequence)")
        }
        let count = Int(batch.recordsCount)
        let section = batch.recordsSection
        guard codec != .none else { return try walkRecords(in: section, count: count, requireKeys: requireKeys) }
        // Refused before decompressing: no output within the bound can hold that many records.
        guard count <= maxDecompressedBytes / minimumRecordSize else {
            throw .invalidRecord(
                "\(count) records cannot fit in \(maxDecompressedBytes) decompressed bytes (7 bytes each at least)")
        }
        let records: ByteBuffer
        do {
            records = try RecordCompression.decompress(section, codec: codec, maximumSize: maxDecompressedBytes)
        } catch {
            if error.exceedsLimit { throw .decompressedTooLarge(limit: maxDecompressedBytes) }
            throw .corruptRecords("the \(codec) section does not decompress: \(error.detail)")
        }
        try walkRecords(in: records, count: count, requireKeys: requireKeys)
    }

    /// `walkRecords(_:count:requireKeys:)` over a buffer's readable bytes.
    private static func walkRecords(in records: ByteBuffer, count: Int, requireKeys: Bool) throws(RecordBatchError) {
        // withUnsafeReadableBytes rethrows untyped errors, so the typed error comes out through a Result.
        try records.withUnsafeReadableBytes { raw in
            Result { () throws(RecordBatchError) in try walkRecords(raw, count: count, requireKeys: requireKeys) }
        }.get()
    }

    /// Checks that `raw` holds exactly `count` well-formed records whose offset deltas count up from 0.
    /// - Parameters:
    ///   - raw: a records section, uncompressed.
    ///   - count: how many records the batch header announces.
    ///   - requireKeys: whether a record with a null key is refused (`RecordBatchError.missingKey`).
    /// - Throws: `RecordBatchError` for an impossible count, a record past the end, a malformed record,
    ///   trailing bytes, or a missing key when keys are required.
    public static func walkRecords(_ raw: UnsafeRawBufferPointer, count: Int, requireKeys: Bool = false)
        throws(RecordBatchError)
    {
        // Checked first, so that a count of two billion in a small batch costs nothing.
        guard count >= 0, count <= raw.count / minimumRecordSize else {
            throw .invalidRecord("\(count) records cannot fit in \(raw.count) bytes (7 bytes per record at least)")
        }
        var position = 0
        for index in 0..<count {
            var cursor = RawRecordReader(raw, position: position, limit: raw.count)
            guard let length = cursor.varint(), length >= 0, Int(length) <= raw.count - cursor.position else {
                throw .corruptRecords("record \(index) at byte \(position) has a length that runs past the batch")
            }
            let end = cursor.position + Int(length)
            var record = RawRecordReader(raw, position: cursor.position, limit: end)
            try checkFields(&record, index: index, requireKeys: requireKeys)
            guard record.position == end else {
                throw .invalidRecord("record \(index) has \(end - record.position) bytes after its fields")
            }
            position = end
        }
        guard position == raw.count else {
            throw .corruptRecords("\(raw.count - position) bytes follow the last of the \(count) records")
        }
    }

    /// Reads one record's fields up to the cursor's limit (the record's declared end).
    @inline(__always)
    private static func checkFields(_ record: inout RawRecordReader, index: Int, requireKeys: Bool)
        throws(RecordBatchError)
    {
        guard record.byte() != nil, record.varlong() != nil, let offsetDelta = record.varint() else {
            throw .invalidRecord("record \(index) is too short for its attributes, timestamp and offset deltas")
        }
        guard offsetDelta == index else {
            throw .invalidRecord("record \(index) has offsetDelta \(offsetDelta); a producer numbers records from 0")
        }
        guard let key = record.field() else { throw .invalidRecord("record \(index) has a key past its end") }
        if requireKeys, key.length < 0 { throw .missingKey(recordIndex: index) }
        guard record.field() != nil else { throw .invalidRecord("record \(index) has a value past its end") }
        // A header takes two bytes at least (two length varints), which bounds the count before the loop.
        guard let headerCount = record.varint(), headerCount >= 0,
              Int(headerCount) <= (record.limit - record.position) / 2
        else { throw .invalidRecord("record \(index) has an impossible header count") }
        for header in 0..<Int(headerCount) {
            guard let key = record.field(), key.length >= 0 else {
                throw .invalidRecord("record \(index) header \(header) has a null key or one past the record's end")
            }
            guard record.field() != nil else {
                throw .invalidRecord("record \(index) header \(header) has a value past the record's end")
            }
        }
    }
}
