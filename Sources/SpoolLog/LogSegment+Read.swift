import SpoolRecords

extension LogSegment {
    /// The batch that holds `offset`, found from the sparse index and a short scan; nil when the segment
    /// ends before it.
    /// - Throws: `LogError.damagedSegment` when the index entry used does not land on its batch, or the bytes
    ///   stop parsing before the segment ends (see `scan(_:from:expecting:until:)`).
    func locate(offset: Int64) throws(LogError) -> BatchInfo? {
        let file = try open()  // also loads the indexes
        let start = indexedStart(atOrBefore: offset)
        return try scan(file, from: start.position, expecting: start.baseOffset) { $0.lastOffset >= offset }
    }

    /// Where to start scanning for `offset`: the last index entry whose base offset is at or below it, with
    /// the base offset the batch there must have; the segment's first byte when no entry is.
    private func indexedStart(atOrBefore offset: Int64) -> (position: Int, baseOffset: Int64?) {
        guard let index = offsetIndex.lastIndex(where: { baseOffset + Int64($0.relativeOffset) <= offset }) else {
            return (0, nil)
        }
        let entry = offsetIndex.entries[index]
        return (Int(entry.position), baseOffset + Int64(entry.relativeOffset))
    }

    /// Walks the batches from `position` and returns the first for which `isWanted` holds, or nil at the end.
    ///
    /// A position taken from the index is trusted only once the batch found there has the base offset the
    /// entry names (`expected`): a damaged entry would otherwise start the walk mid-batch, the walk would stop
    /// at bytes that are no header, and the caller would skip to the next segment over offsets the log holds.
    /// - Throws: `LogError.damagedSegment` on such a mismatch or when the bytes stop parsing before the end.
    private func scan(_ file: LogFile, from position: Int, expecting expected: Int64?,
                      until isWanted: (BatchInfo) throws(LogError) -> Bool) throws(LogError) -> BatchInfo?
    {
        var scanner = BatchScanner(file: file, from: position, to: try size(), verify: false)
        var expected = expected
        while true {
            switch try scanner.next() {
            case .end:
                return nil
            case .invalid(let reason):
                throw .damagedSegment(path: logPath, reason)
            case .batch(let info):
                if let base = expected, info.baseOffset != base {
                    throw .damagedSegment(
                        path: logPath,
                        "the index points at position \(info.position) for offset \(base), but the bytes there "
                            + "read as a batch with base offset \(info.baseOffset)")
                }
                expected = nil
                if try isWanted(info) { return info }
            }
        }
    }

    /// What a read found in one segment.
    enum SegmentRead {
        /// Whole batches from `first` on, `length` bytes.
        case batches(first: BatchInfo, length: Int)
        /// Only empty batches (compaction's) from the offset to the segment's end: the first of them.
        case onlyEmpty(BatchInfo)
    }

    /// Whole batches from the first one at or after `offset` that holds records, up to `maxBytes` but always at
    /// least that first batch. Empty batches before it are passed over: a consumer would skip them, and a reply of
    /// nothing but empty batches makes librdkafka (2.x) take it for a too-small fetch size and, after ten in a row,
    /// fail with MSG_SIZE_TOO_LARGE.
    /// - Returns: the batches, `.onlyEmpty` when nothing but empty batches follow `offset`, or nil when the segment
    ///   ends before `offset`.
    /// - Throws: `LogError.damagedSegment` when an index entry used does not land on its batch.
    /// - Parameter upTo: with a value (read_committed below the log end), only batches that end below it; the caller
    ///   asks only for offsets below it, and it lies on a batch boundary.
    func read(from offset: Int64, maxBytes: Int, upTo: Int64? = nil) throws(LogError) -> SegmentRead? {
        guard var first = try locate(offset: offset) else { return nil }
        if first.recordsCount == 0 {
            let file = try open()
            guard let filled = try scan(file, from: first.end, expecting: nil, until: { $0.recordsCount != 0 }),
                  filled.nextOffset <= upTo ?? Int64.max
            else {
                return .onlyEmpty(first)
            }
            first = filled
        }
        return .batches(first: first, length: try length(from: first, maxBytes: maxBytes, upTo: upTo))
    }

    /// The byte length of the whole batches from `first` within `maxBytes` and below `upTo`, at least `first`'s.
    private func length(from first: BatchInfo, maxBytes: Int, upTo: Int64?) throws(LogError) -> Int {
        let segmentSize = try size()
        let limit = first.position + max(maxBytes, first.size)
        // The size only ever advances past whole batches, so everything up to it is whole.
        if limit >= segmentSize && upTo == nil { return segmentSize - first.position }
        let upTo = upTo ?? Int64.max
        // Walk to the limit from the last indexed batch before it when that lies past the first batch.
        var start: (position: Int, baseOffset: Int64?) = (first.end, nil)
        if let index = offsetIndex.lastIndex(where: {
            Int($0.position) <= limit && baseOffset + Int64($0.relativeOffset) < upTo
        }),
           Int(offsetIndex.entries[index].position) > first.end
        {
            let entry = offsetIndex.entries[index]
            start = (Int(entry.position), baseOffset + Int64(entry.relativeOffset))
        }
        var end = start.position
        _ = try scan(try open(), from: start.position, expecting: start.baseOffset) { info in
            if info.end > limit || info.nextOffset > upTo { return true }
            end = info.end
            return false
        }
        return end - first.position
    }

    /// The first record at or after `minimumOffset` whose timestamp is at least `timestamp` (Kafka's
    /// `findOffsetByTimestamp`), or nil when the segment holds none.
    ///
    /// The time index finds where such a record can first be; the records of each batch whose largest timestamp
    /// reaches `timestamp` decide. Timestamps need not grow with offsets, and the log start offset can fall inside
    /// a batch, so a batch may hold no answer: the walk then goes on to the next.
    /// - Throws: `LogError.damagedSegment` when an index entry used does not land on its batch or a batch's
    ///   records do not read.
    func firstRecord(withTimestampAtLeast timestamp: Int64, atOrAfter minimumOffset: Int64) throws(LogError)
        -> TimestampOffset?
    {
        let file = try open()
        guard tracker.maxTimestamp >= timestamp else { return nil }
        // Every batch up to a time entry's offset has timestamps at most that entry's: start there.
        let fromOffset = timeIndex.lastIndex { $0.timestamp < timestamp }
            .map { baseOffset + Int64(timeIndex.entries[$0].relativeOffset) } ?? baseOffset
        let start = indexedStart(atOrBefore: max(fromOffset, minimumOffset))
        var found: TimestampOffset?
        _ = try scan(file, from: start.position, expecting: start.baseOffset) { info throws(LogError) in
            guard info.maxTimestamp >= timestamp, info.lastOffset >= minimumOffset else { return false }
            found = try firstRecord(in: info, of: file, withTimestampAtLeast: timestamp, atOrAfter: minimumOffset)
            return found != nil
        }
        return found
    }

    /// Reads one batch's records (decompressing them) and returns the first that matches, as
    /// `firstRecord(withTimestampAtLeast:atOrAfter:)` defines it.
    private func firstRecord(in info: BatchInfo, of file: LogFile, withTimestampAtLeast timestamp: Int64,
                             atOrAfter minimumOffset: Int64) throws(LogError) -> TimestampOffset?
    {
        let bytes = try file.read(count: info.size, at: info.position)
        do {
            let batch = try RecordBatch(buffer: bytes)
            // Produced batches were bounded by message.max.decompressed.bytes (at most Int32.max) when written, so
            // this bound only stops damaged bytes from asking for more.
            var records = try batch.decompressedRecordReader(maximumSize: Int(Int32.max))
            while let record = try records.next() {
                let offset = batch.baseOffset + Int64(record.offsetDelta)
                let recordTimestamp = batch.timestamp(of: record)
                if offset >= minimumOffset, recordTimestamp >= timestamp {
                    return TimestampOffset(timestamp: recordTimestamp, offset: offset)
                }
            }
            return nil
        } catch {
            throw .damagedSegment(
                path: logPath, "the records of the batch at offset \(info.baseOffset) (position \(info.position)) "
                    + "do not read: \(error)")
        }
    }

    /// Called when a newer segment takes over appends (or at a clean close): ends the time index with the
    /// largest timestamp and gives back the disk reserved beyond the data.
    ///
    /// The final time entry only spares the next start a scan. When it cannot be written (a full disk), the
    /// time index file is removed instead, so that the next open rebuilds both indexes from the log rather than
    /// trust a time index that under-reports the segment's largest timestamp.
    /// - Returns: the error that kept the final time entry out, if one did.
    /// - Throws: `LogError.storage` when the reservation cannot be trimmed or the time index removed.
    @discardableResult
    func onBecomeInactive() throws(LogError) -> LogError? {
        var skipped: LogError?
        if let entry = tracker.takeTimeEntry() {
            do {
                try timeIndex.append(entry)
            } catch {
                skipped = error
                try timeIndex.discardFile()
            }
        }
        try trimReservation()
        return skipped
    }

    /// Flushes the log data to the device.
    func syncData() throws(LogError) {
        try file?.sync()
    }

    /// Flushes the index files; with `close`, releases their descriptors (inactive segments).
    func syncIndexes(close: Bool) throws(LogError) {
        try offsetIndex.sync(close: close)
        try timeIndex.sync(close: close)
        try transactionIndex.sync(close: close)
    }

    /// Drops the segment's own reference to its log file; the descriptor closes once no read slice holds it.
    /// Inactive segments do this so that descriptors grow with partitions, not segments; reads reopen lazily.
    func releaseFile() {
        if !pinned { file = nil }
    }

    /// The open log file, or a new descriptor on it when the segment released its own (fsync acts on the
    /// file, whichever descriptor asks).
    func fileForSync() throws(LogError) -> LogFile {
        if let file { return file }
        return try LogFile(path: logPath, create: false)
    }

    /// Renames the segment's files to `*.deleted` (the first step of deleting it) and returns the new names.
    func renameToDeleted() throws(LogError) -> [String] {
        var renamed: [String] = []
        transactionIndex.releaseFile()
        for path in [logPath, offsetIndex.path, timeIndex.path, transactionIndex.path] where FileSystem.exists(path) {
            try FileSystem.rename(path, path + LogFileName.deletedSuffix)
            renamed.append(path + LogFileName.deletedSuffix)
        }
        return renamed
    }
}
