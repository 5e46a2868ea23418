/// What an append did.
public struct AppendInfo: Sendable, Equatable {
    /// The offset given to the batch's first record.
    public var baseOffset: Int64
    /// The offset of its last record.
    public var lastOffset: Int64
    /// The broker time stamped on the batch for LogAppendTime topics, -1 for CreateTime.
    public var logAppendTime: Int64
    /// The log start offset after the append.
    public var logStartOffset: Int64
    /// The log end offset after the append (the next offset to be given).
    public var logEndOffset: Int64
    /// True when the batch was an idempotent producer's retry of one already appended: nothing was written
    /// and the offsets are the original ones.
    public var isDuplicate = false
}

/// A run of whole batches in one segment file, for the fetch path to send with sendfile.
///
/// Holding the slice keeps the file open, so it stays readable even if retention deletes the segment meanwhile.
public struct FileSlice: Sendable {
    /// The segment file.
    public let file: LogFile
    /// Byte position of the first batch.
    public let position: Int
    /// Length in bytes: whole batches only.
    public let length: Int
    /// Base offset of the first batch (at or before the offset asked for).
    public let firstOffset: Int64
}

/// The answer to a read.
public struct LogReadInfo: Sendable {
    /// The batches, or nil when the offset asked for is the log end offset.
    public var slice: FileSlice?
    /// The log start offset when the read happened.
    public var logStartOffset: Int64
    /// The log end offset when the read happened (the high watermark of a single-replica log).
    public var logEndOffset: Int64
    /// The last stable offset when the read happened.
    public var lastStableOffset: Int64 = -1
}

/// An offset found by timestamp, with the timestamp that matched: for a lookup by time the first record at or
/// after it (`PartitionLog.offset(forTimestamp:)`), for MAX_TIMESTAMP the batch holding the largest one.
public struct TimestampOffset: Sendable, Equatable {
    /// The matching timestamp, in milliseconds since the epoch.
    public var timestamp: Int64
    /// The offset it was found at.
    public var offset: Int64

    /// - Parameters:
    ///   - timestamp: the matching timestamp.
    ///   - offset: the offset it was found at.
    public init(timestamp: Int64, offset: Int64) {
        self.timestamp = timestamp
        self.offset = offset
    }
}

/// What opening a partition found.
public struct RecoveryReport: Sendable, Equatable {
    /// Segments re-read and checked batch by batch (0 after a clean shutdown).
    public var segmentsRecovered = 0
    /// Bytes cut off the end of the log because they did not form valid batches.
    public var bytesTruncated = 0
    /// Segments deleted because they followed a corrupt one.
    public var segmentsDeleted = 0
    /// The first problem met, if any.
    public var problem: String?
}

/// What appending several batches to one partition gave: the offsets of the first and of the last batch.
public struct AppendedBatches: Sendable, Equatable {
    /// The first batch's offsets (its base offset is the first offset given).
    public var first: AppendInfo
    /// The last batch's offsets (its last offset is the last offset given).
    public var last: AppendInfo
}
