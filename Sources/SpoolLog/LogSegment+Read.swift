extension LogSegment {
    /// The batch that holds `offset`, found from the sparse index and a short scan; nil when the segment
    /// ends before it.
    func locate(offset: Int64) throws(LogError) -> BatchInfo? {
        let file = try open()
        var scanner = BatchScanner(file: file, from: indexedPosition(atOrBefore: offset), to: try size(), verify: false)
        while case .batch(let info) = try scanner.next() {
            if info.lastOffset >= offset { return info }
        }
        return nil
    }

    /// The position of the last indexed batch whose base offset is at or below `offset` (0 when none is).
    private func indexedPosition(atOrBefore offset: Int64) -> Int {
        offsetIndex.lastIndex { baseOffset + Int64($0.relativeOffset) <= offset }
            .map { Int(offsetIndex.entries[$0].position) } ?? 0
    }

    /// Whole batches from the one holding `offset`, up to `maxBytes` but always at least that first batch.
    /// - Returns: the first batch and the byte length of the run, or nil when the segment ends before `offset`.
    func read(from offset: Int64, maxBytes: Int) throws(LogError) -> (first: BatchInfo, length: Int)? {
        guard let first = try locate(offset: offset) else { return nil }
        let segmentSize = try size()
        let limit = first.position + max(maxBytes, first.size)
        // The size only ever advances past whole batches, so everything up to it is whole.
        if limit >= segmentSize { return (first, segmentSize - first.position) }
        let hint = offsetIndex.lastIndex { Int($0.position) <= limit }.map { Int(offsetIndex.entries[$0].position) }
        let scanStart = max(first.end, hint ?? 0)
        var end = scanStart
        var scanner = BatchScanner(file: try open(), from: scanStart, to: segmentSize, verify: false)
        while case .batch(let info) = try scanner.next(), info.end <= limit {
            end = info.end
        }
        return (first, end - first.position)
    }

    /// The first batch whose largest timestamp is at least `timestamp`, or nil when none is.
    func firstBatch(withTimestampAtLeast timestamp: Int64) throws(LogError) -> BatchInfo? {
        let file = try open()
        guard tracker.maxTimestamp >= timestamp else { return nil }
        // Every batch up to a time entry's offset has timestamps at most that entry's: start there.
        let fromOffset = timeIndex.lastIndex { $0.timestamp < timestamp }
            .map { baseOffset + Int64(timeIndex.entries[$0].relativeOffset) } ?? baseOffset
        var scanner = BatchScanner(
            file: file, from: indexedPosition(atOrBefore: fromOffset), to: try size(), verify: false)
        while case .batch(let info) = try scanner.next() {
            if info.maxTimestamp >= timestamp { return info }
        }
        return nil
    }

    /// Called when a newer segment takes over appends (or at a clean close): ends the time index with the
    /// largest timestamp and gives back the disk reserved beyond the data.
    func onBecomeInactive() throws(LogError) {
        if let entry = tracker.takeTimeEntry() { try timeIndex.append(entry) }
        if let file, reservedBytes > 0 {
            try file.truncate(to: try size())
            reservedBytes = 0
        }
    }

    /// Flushes the log data to the device.
    func syncData() throws(LogError) {
        try file?.sync()
    }

    /// Flushes the index files; with `close`, releases their descriptors (inactive segments).
    func syncIndexes(close: Bool) throws(LogError) {
        try offsetIndex.sync(close: close)
        try timeIndex.sync(close: close)
    }

    /// Drops the segment's own reference to its log file; the descriptor closes once no read slice holds it.
    /// Inactive segments do this so that descriptors grow with partitions, not segments; reads reopen lazily.
    func releaseFile() {
        file = nil
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
        for path in [logPath, offsetIndex.path, timeIndex.path] where FileSystem.exists(path) {
            try FileSystem.rename(path, path + LogFileName.deletedSuffix)
            renamed.append(path + LogFileName.deletedSuffix)
        }
        return renamed
    }
}
