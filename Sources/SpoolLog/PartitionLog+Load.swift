import Logging

extension PartitionLog {
    /// Creates a new, empty partition log in `directory` (which must not hold one yet).
    /// - Parameters:
    ///   - topicPartition: the partition.
    ///   - directory: `<data-dir>/<topic>-<partition>`.
    ///   - config: its settings.
    ///   - logger: where to log.
    ///   - topicId: the topic ID to bind the directory to (its `partition.metadata`); nil binds none.
    ///   - durably: false skips the fsyncs, for a caller that makes many logs and then syncs the file system once.
    ///   - reservations: the broker-wide budget of preallocated disk (a budget of its own by default).
    /// - Throws: `LogError.invalidArgument` for bad settings, `.storage` when the files cannot be made.
    public static func create(topicPartition: TopicPartition, directory: String, config: LogConfig,
                              topicId: String? = nil, durably: Bool = true, logger: Logger,
                              reservations: DiskReservations = DiskReservations()) throws(LogError) -> PartitionLog
    {
        try config.validate()
        try FileSystem.makeDirectory(directory)
        if let topicId { try PartitionDirectory.writeTopicId(topicId, in: directory, durably: durably) }
        let segment = try LogSegment.create(
            directory: directory, baseOffset: 0, indexIntervalBytes: config.indexIntervalBytes)
        if durably {
            try FileSystem.syncDirectory(directory)
            try FileSystem.syncDirectory(parentDirectory(of: directory))
        }
        return PartitionLog(
            topicPartition: topicPartition, directory: directory, config: config, segments: [segment],
            logEndOffset: 0, logger: logger, reservations: reservations)
    }

    /// Opens an existing partition log. After a clean shutdown only the active segment's tail is read;
    /// otherwise every segment from the one holding `recoveryPoint` on is re-read batch by batch, truncated
    /// after its last valid batch, and given fresh indexes; segments after a damaged one are deleted.
    /// - Parameters:
    ///   - topicPartition: the partition.
    ///   - directory: its directory.
    ///   - config: its settings.
    ///   - cleanShutdown: whether the broker shut down cleanly last time.
    ///   - recoveryPoint: the checkpointed offset below which data and indexes were synced; nil for unknown.
    ///   - logger: where to log.
    ///   - reservations: the broker-wide budget of preallocated disk (a budget of its own by default).
    /// - Returns: the log and what recovery found.
    /// - Throws: `LogError.storage` when the files cannot be read or repaired.
    public static func load(topicPartition: TopicPartition, directory: String, config: LogConfig,
                            cleanShutdown: Bool, recoveryPoint: Int64?,
                            logger: Logger, reservations: DiskReservations = DiskReservations())
        throws(LogError) -> (PartitionLog, RecoveryReport)
    {
        try config.validate()
        // Before `.deleted` files go: a committed compaction swap still needs its sources until it is complete.
        _ = try SegmentSwapRecovery.resolve(directory: directory, logger: logger)
        var baseOffsets: [Int64] = []
        for name in try FileSystem.list(directory) {
            if name.hasSuffix(LogFileName.deletedSuffix) || name.hasSuffix(".tmp") {
                try FileSystem.remove(directory + "/" + name)
            } else if let base = LogFileName.baseOffset(ofLogFile: name) {
                baseOffsets.append(base)
            }
        }
        baseOffsets.sort()
        if baseOffsets.isEmpty {
            // Created but never written (a crash between mkdir and the first segment).
            let log = try create(
                topicPartition: topicPartition, directory: directory, config: config, logger: logger,
                reservations: reservations)
            return (log, RecoveryReport())
        }
        var segments = baseOffsets.map {
            LogSegment(directory: directory, baseOffset: $0, indexIntervalBytes: config.indexIntervalBytes)
        }
        var report = RecoveryReport()
        var logEndOffset: Int64
        if cleanShutdown, let end = try? cleanTail(of: segments[segments.count - 1]) {
            logEndOffset = end
        } else {
            (logEndOffset, report) = try recover(&segments, from: recoveryPoint ?? -1, directory: directory)
        }
        let log = PartitionLog(
            topicPartition: topicPartition, directory: directory, config: config, segments: segments,
            logEndOffset: logEndOffset, logger: logger, reservations: reservations)
        try log.locked { () throws(LogError) in
            if let start = readLogStartOffset(directory: directory) {
                log.published.update { $0.advanceLogStart(to: min(start, logEndOffset)) }
            }
            try log.rebuildProducerState()
        }
        if report.segmentsRecovered > 0 {
            // Everything re-read was checked; make it durable so the recovery point can move to the end.
            try log.flushRecovered()
            logger.warning(
                "recovered partition after unclean shutdown",
                metadata: [
                    "partition": "\(topicPartition)", "segmentsRecovered": "\(report.segmentsRecovered)",
                    "bytesTruncated": "\(report.bytesTruncated)", "segmentsDeleted": "\(report.segmentsDeleted)",
                    "logEndOffset": "\(logEndOffset)", "problem": "\(report.problem ?? "none")",
                ])
        }
        return (log, report)
    }

    /// The log end offset of a cleanly closed active segment: scan the headers after its last index entry.
    /// Returns nil (so recovery runs) when the tail does not end exactly on a batch boundary.
    private static func cleanTail(of segment: LogSegment) throws(LogError) -> Int64? {
        let file = try segment.open()
        let start = segment.offsetIndex.entries.last.map { Int($0.position) } ?? 0
        var scanner = BatchScanner(file: file, from: start, to: try segment.size(), verify: false)
        var end = segment.baseOffset
        var first = true
        while true {
            switch try scanner.next() {
            case .batch(let info):
                if first && start == 0 { segment.rollingBasedTimestamp = info.maxTimestamp }
                first = false
                end = info.nextOffset
            case .end:
                if segment.rollingBasedTimestamp == nil, let entry = segment.timeIndex.entries.first {
                    segment.rollingBasedTimestamp = entry.timestamp
                }
                return end
            case .invalid:
                return nil
            }
        }
    }

    /// Re-reads segments from the one holding `recoveryPoint`; returns the log end offset and the report.
    private static func recover(_ segments: inout [LogSegment], from recoveryPoint: Int64,
                                directory: String) throws(LogError) -> (Int64, RecoveryReport)
    {
        var report = RecoveryReport()
        var first = 0
        while first + 1 < segments.count && segments[first + 1].baseOffset <= recoveryPoint { first += 1 }
        var index = first
        var logEndOffset = segments[index].baseOffset
        while index < segments.count {
            let segment = segments[index]
            let result = try segment.rebuild(verify: true, leaderEpochs: 0...0)
            report.segmentsRecovered += 1
            report.bytesTruncated += result.truncatedBytes
            logEndOffset = result.nextOffset ?? segment.baseOffset
            let next = index + 1 < segments.count ? segments[index + 1].baseOffset : nil
            let broken = result.problem != nil || (next != nil && next != logEndOffset)
            if broken {
                report.problem = report.problem ?? result.problem ?? "gap before segment \(next ?? 0)"
                // Later segments follow a hole: remove them, as Kafka does.
                for later in segments[(index + 1)...] {
                    report.bytesTruncated += (try? later.size()) ?? 0
                    for path in try later.renameToDeleted() { try FileSystem.remove(path) }
                    report.segmentsDeleted += 1
                }
                segments.removeSubrange((index + 1)...)
                try FileSystem.syncDirectory(directory)
                break
            }
            index += 1
        }
        return (logEndOffset, report)
    }

    /// Syncs every segment's data and indexes after recovery and moves the recovery point to the end.
    private func flushRecovered() throws(LogError) {
        try locked { () throws(LogError) in
            for (index, segment) in segments.enumerated() where segment.file != nil {
                try segment.syncData()
                try segment.syncIndexes(close: index < segments.count - 1)
            }
            published.update { offsets in
                offsets.flushedOffset = offsets.logEndOffset
                offsets.recoveryPoint = offsets.logEndOffset
            }
        }
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
