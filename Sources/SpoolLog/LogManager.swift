import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import SpoolRecords
import Synchronization

/// Settings of the log manager (the `log.*` keys of the broker's configuration).
public struct LogManagerConfiguration: Sendable, Equatable {
    /// The data directory: one subdirectory per partition, the lock, the checkpoints.
    public var dataDirectory: String
    /// Settings for logs created without their own.
    public var defaultLogConfig = LogConfig()
    /// How often the background flush syncs every log and writes the recovery checkpoint (`log.flush.interval.ms`).
    public var flushIntervalMs: Int64 = 1000
    /// How often retention looks for expired segments (`log.retention.check.interval.ms`).
    public var retentionCheckIntervalMs: Int64 = 300_000
    /// Threads for blocking file I/O.
    public var ioThreads = 4
    /// Group-commit rounds of at least this many partitions are made durable with one `syncfs` of the data
    /// directory's file system instead of an fdatasync per partition (`log.flush.syncfs.min.partitions`); 0 never
    /// uses syncfs. Smaller rounds fdatasync their partitions side by side.
    public var syncfsMinimumPartitions = 4
    /// Log files (segments and indexes) kept open at once before idle partitions give theirs back; 0 derives it
    /// from the process's open-file limit (`OpenFileLimit.derivedMaximumOpenLogFiles`).
    public var maximumOpenFiles = 0
    /// The most disk reserved ahead of active segments' data, over all partitions (`log.preallocate.max.bytes`).
    public var preallocateMaxBytes = DiskReservations.defaultMaxBytes
    /// The log cleaner's settings (compaction of logs whose `cleanup.policy` includes `compact`).
    public var cleaner = LogCleanerConfiguration()

    /// - Parameter dataDirectory: where the logs live.
    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }
}

/// Owns every partition log of a data directory: opening (with recovery), creating and deleting logs,
/// async appends and reads on a thread pool, group-commit flushes, the background flush with its recovery
/// checkpoint, retention, and the clean shutdown that lets the next start skip recovery.
///
/// Thread-safe. As a swift-service-lifecycle `Service`, `run()` drives the background work until graceful
/// shutdown and then closes every log cleanly.
public final class LogManager: Service, @unchecked Sendable {
    /// The settings it was opened with.
    public let configuration: LogManagerConfiguration
    /// What recovery found, per partition that needed it, at open.
    public let recoveryReports: [TopicPartition: RecoveryReport]
    /// Whether the previous run ended with a clean shutdown.
    public let openedAfterCleanShutdown: Bool

    let threadPool: NIOThreadPool
    /// Threads for the fdatasyncs of one group-commit round, side by side.
    let flushThreads: NIOThreadPool
    let flushScheduler: FlushScheduler
    let directoryLock: DataDirectoryLock
    let logger: Logger
    /// The disk reserved ahead of active segments' data, shared by every log of the directory.
    public let reservations: DiskReservations
    private let lock = NIOLock()
    private var logs: [TopicPartition: PartitionLog]
    private var closed = false
    private var lastCheckpoint: [TopicPartition: Int64] = [:]
    /// Log files kept open at once before idle logs give theirs back (`maximumOpenFiles`, resolved).
    let maximumOpenFiles: Int
    /// Counts appends and reads: a log's `lastUsed` is this clock's reading at its last use.
    private let useClock = Atomic<Int>(0)
    /// Set while one thread gives descriptors back, so that others do not pile on.
    private let trimming = Atomic<Bool>(false)

    var lastCheckpointValue: [TopicPartition: Int64] {
        get { lock.withLock { lastCheckpoint } }
        set { lock.withLock { lastCheckpoint = newValue } }
    }

    /// Marks the manager closed; false when it already was.
    func markClosed() -> Bool {
        lock.withLock {
            if closed { return false }
            closed = true
            return true
        }
    }

    static let cleanShutdownFile = ".clean-shutdown"

    private init(configuration: LogManagerConfiguration, threadPool: NIOThreadPool, flushThreads: NIOThreadPool,
                 directoryLock: DataDirectoryLock, logs: [TopicPartition: PartitionLog],
                 reports: [TopicPartition: RecoveryReport], clean: Bool, logger: Logger, reservations: DiskReservations)
    {
        self.reservations = reservations
        self.configuration = configuration
        self.threadPool = threadPool
        self.directoryLock = directoryLock
        self.logs = logs
        self.recoveryReports = reports
        self.openedAfterCleanShutdown = clean
        self.logger = logger
        self.flushThreads = flushThreads
        let fileSystem = configuration.syncfsMinimumPartitions > 0
            ? FileSystemHandle(syncing: configuration.dataDirectory) : nil
        if configuration.syncfsMinimumPartitions > 0 && fileSystem == nil {
            logger.notice(
                "group commit fdatasyncs each partition: syncfs cannot report write-back errors here (Linux < 5.8)")
        }
        self.flushScheduler = FlushScheduler(
            threadPool: threadPool, flushThreads: flushThreads,
            syncfsMinimumPartitions: configuration.syncfsMinimumPartitions, fileSystem: fileSystem, logger: logger)
        self.maximumOpenFiles = Self.resolvedMaximumOpenFiles(configuration)
    }

    /// The open-file budget `configuration` gives: its `maximumOpenFiles`, or when that is 0 the one derived from
    /// the process's open-file limit now.
    /// - Parameter configuration: the settings.
    public static func resolvedMaximumOpenFiles(_ configuration: LogManagerConfiguration) -> Int {
        configuration.maximumOpenFiles > 0
            ? configuration.maximumOpenFiles : OpenFileLimit.derivedMaximumOpenLogFiles(limit: OpenFileLimit.current)
    }

    /// Marks `log` used now, and when more log files are open than `maximumOpenFiles`, makes the least recently
    /// used logs give their descriptors back until a fifth of the budget is free. Runs on the I/O pool, holding
    /// no log's lock, so taking each victim's lock cannot deadlock.
    func used(_ log: PartitionLog) {
        log.lastUsed.store(useClock.add(1, ordering: .relaxed).newValue, ordering: .relaxed)
        trimOpenFiles()
    }

    /// Gives descriptors back, least recently used logs first, while more than `maximumOpenFiles` are open.
    func trimOpenFiles() {
        guard LogFile.openCount > maximumOpenFiles,
              trimming.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return }
        defer { trimming.store(false, ordering: .releasing) }
        let target = maximumOpenFiles - maximumOpenFiles / 5
        let candidates = lock.withLock { Array(logs.values) }
            .map { ($0, $0.lastUsed.load(ordering: .relaxed)) }
            .sorted { $0.1 < $1.1 }
        var released = 0
        for (log, _) in candidates where LogFile.openCount > target {
            log.releaseDescriptors()
            released += 1
        }
        logger.debug(
            "gave back idle log descriptors",
            metadata: ["logs": "\(released)", "openFiles": "\(LogFile.openCount)", "max": "\(maximumOpenFiles)"])
    }

    /// Opens the data directory (creating it when missing), takes its lock and loads the partition logs.
    ///
    /// With `claims`, only directories that the metadata claims are adopted: a directory bound to another topic
    /// ID, or claimed by no topic, is moved aside as `<name>.<id>-stray` with one warning line (or removed, when
    /// its topic's deletion was pending), and deletions cut short by a crash (`*-delete`) are finished. Without
    /// `claims` every partition directory is adopted (tools and tests that have no metadata).
    /// - Parameters:
    ///   - configuration: the settings.
    ///   - logger: where to log.
    ///   - claims: reads which topic ID owns each partition; called once the directory lock is held.
    /// - Returns: the open manager.
    /// - Throws: `LogError.dataDirectoryLocked` when another broker holds the directory, `.storage` on I/O errors,
    ///   or what `claims` throws.
    public static func open(configuration: LogManagerConfiguration, logger: Logger,
                            claims: (@Sendable () async throws -> PartitionClaims)? = nil) async throws -> LogManager
    {
        try configuration.defaultLogConfig.validate()
        let threadPool = NIOThreadPool(numberOfThreads: max(2, configuration.ioThreads))
        threadPool.start()
        let flushThreads = NIOThreadPool(numberOfThreads: flushThreadCount)
        flushThreads.start()
        do {
            let directoryLock = try await threadPool.runIfActive {
                try FileSystem.makeDirectories(configuration.dataDirectory)
                return try DataDirectoryLock(directory: configuration.dataDirectory)
            }
            let known = try await claims?()
            return try await threadPool.runIfActive {
                try openBlocking(
                    configuration: configuration, threadPool: threadPool, flushThreads: flushThreads,
                    directoryLock: directoryLock, claims: known, logger: logger)
            }
        } catch {
            try? await threadPool.shutdownGracefully()
            try? await flushThreads.shutdownGracefully()
            throw error
        }
    }

    /// Threads that fdatasync one group-commit round's partitions side by side: fdatasyncs wait on the device, not
    /// the CPU, and beyond about this many at once a round took longer here (1,000 files: 86 ms with 16, 151 ms with
    /// 64); rounds this large use syncfs anyway.
    static let flushThreadCount = 16

    private static func openBlocking(configuration: LogManagerConfiguration, threadPool: NIOThreadPool,
                                     flushThreads: NIOThreadPool, directoryLock: DataDirectoryLock, claims: PartitionClaims?,
                                     logger: Logger) throws(LogError) -> LogManager
    {
        let directory = configuration.dataDirectory
        let markerPath = directory + "/" + cleanShutdownFile
        let clean = FileSystem.exists(markerPath)
        let recoveryPoints = clean ? [:] : RecoveryCheckpoint.read(directory: directory)
        let reservations = DiskReservations(maxBytes: configuration.preallocateMaxBytes)
        var logs: [TopicPartition: PartitionLog] = [:]
        var reports: [TopicPartition: RecoveryReport] = [:]
        let scan = try DirectoryScan.run(directory: directory, claims: claims, logger: logger)
        for (partition, path) in scan.adopted {
            let (log, report) = try PartitionLog.load(
                topicPartition: partition, directory: path, config: configuration.defaultLogConfig,
                cleanShutdown: clean, recoveryPoint: recoveryPoints[partition], logger: logger,
                reservations: reservations)
            logs[partition] = log
            if report.segmentsRecovered > 0 { reports[partition] = report }
            // Start-up holds no descriptor per partition: the first append or read reopens what it needs, so that
            // more partitions than the open-file limit can be recovered.
            log.releaseDescriptors()
        }
        // From here on a crash must be seen as unclean.
        if clean {
            try FileSystem.remove(markerPath)
            try FileSystem.syncDirectory(directory)
        }
        logger.info(
            "opened data directory",
            metadata: [
                "dataDir": "\(directory)", "partitions": "\(logs.count)", "cleanShutdown": "\(clean)",
                "recovered": "\(reports.count)", "deletionsFinished": "\(scan.deletionsFinished.count)",
                "notAdopted": "\(scan.setAside.count + scan.strays.count)",
            ])
        return LogManager(
            configuration: configuration, threadPool: threadPool, flushThreads: flushThreads,
            directoryLock: directoryLock, logs: logs, reports: reports, clean: clean, logger: logger,
            reservations: reservations)
    }

    /// The log of a partition, if it exists.
    /// - Parameter partition: the partition.
    public func log(for partition: TopicPartition) -> PartitionLog? {
        lock.withLock { logs[partition] }
    }

    /// Every partition log, in partition order.
    public var allLogs: [PartitionLog] {
        lock.withLock { logs.values.sorted { $0.topicPartition < $1.topicPartition } }
    }

    /// Returns the partition's log, creating it (with `config`, or the defaults) when it does not exist.
    /// A new log's directory is bound to `topicId` (its `partition.metadata`); a directory already on disk that
    /// no open log owns is moved aside as a stray first, never adopted.
    /// - Parameters:
    ///   - partition: the partition.
    ///   - config: settings for a new log.
    ///   - topicId: the topic ID to bind a new log's directory to; nil binds none (tools and tests).
    ///   - durably: false skips a new log's fsyncs: the caller creates many, then calls `syncFileSystem()` once.
    /// - Throws: `LogError.invalidArgument` for an illegal topic name or bad settings, `.storage` on I/O errors.
    public func getOrCreateLog(_ partition: TopicPartition, config: LogConfig? = nil,
                               topicId: String? = nil, durably: Bool = true) async throws -> PartitionLog
    {
        if let existing = log(for: partition) { return existing }
        guard TopicPartition.isLegalTopicName(partition.topic), partition.partition >= 0 else {
            throw LogError.invalidArgument("illegal topic partition \(partition): topic names use [a-zA-Z0-9._-]")
        }
        let config = config ?? configuration.defaultLogConfig
        let dataDirectory = configuration.dataDirectory
        let directory = dataDirectory + "/" + partition.directoryName
        return try await threadPool.runIfActive { [self] in
            defer { trimOpenFiles() }
            return try lock.withLock { () throws -> PartitionLog in
                if closed { throw LogError.closed }
                if let existing = logs[partition] { return existing }
                if FileSystem.exists(directory) {
                    let aside = try DirectoryScan.setAside(
                        name: partition.directoryName, in: dataDirectory, boundTo: PartitionDirectory.topicId(in: directory),
                        deleted: [])
                    try FileSystem.syncDirectory(dataDirectory)
                    logger.warning(
                        "moved aside a partition directory no topic owned before creating the partition",
                        metadata: ["partition": "\(partition)", "movedTo": "\(aside)"])
                }
                let log = try PartitionLog.create(
                    topicPartition: partition, directory: directory, config: config, topicId: topicId,
                    durably: durably, logger: logger, reservations: reservations)
                logs[partition] = log
                return log
            }
        }
    }

    /// Deletes partition logs: each directory (open or not) is renamed out of the namespace to
    /// `<name>.<tag>-delete`, the data directory is synced, and only then are the files removed. Once this
    /// returns no restart can bring the partitions back; a crash during the removal is finished at start-up.
    /// - Parameters:
    ///   - partitions: the partitions.
    ///   - tag: what makes the renamed directories unique (the deleted topic's ID).
    /// - Throws: `LogError.storage` when a rename or the sync fails; files a removal leaves are removed at the
    ///   next start.
    public func deleteLogs(_ partitions: [TopicPartition], tag: String) async throws {
        let removed = lock.withLock { partitions.compactMap { logs.removeValue(forKey: $0) } }
        for log in removed { log.markDeleted() }
        let dataDirectory = configuration.dataDirectory
        try await threadPool.runIfActive { [logger] in
            var renamed: [String] = []
            for partition in partitions {
                let path = dataDirectory + "/" + partition.directoryName
                guard FileSystem.exists(path) else { continue }
                let target = dataDirectory + "/" + PartitionDirectory.renamed(
                    partition.directoryName, tag: tag, suffix: PartitionDirectory.deleteSuffix)
                try FileSystem.rename(path, target)
                renamed.append(target)
            }
            guard !renamed.isEmpty else { return }
            try FileSystem.syncDirectory(dataDirectory)
            for path in renamed {
                do {
                    try FileSystem.removeDirectory(path)
                } catch {
                    logger.warning("could not remove a deleted partition's files; the next start retries",
                                   metadata: ["path": "\(path)", "error": "\(error)"])
                }
            }
        }
    }

    /// Makes every file and directory written so far durable with one `syncfs` of the data directory's file
    /// system (after logs created with `durably: false`).
    /// - Throws: `LogError.storage` when the sync fails.
    public func syncFileSystem() async throws {
        try await threadPool.runIfActive { [configuration] in
            try FileSystem.syncFileSystem(containing: configuration.dataDirectory)
        }
    }

    /// Deletes a partition's log and its files (see `deleteLogs`).
    /// - Parameter partition: the partition.
    /// - Throws: `LogError.storage` when the files cannot be renamed.
    public func deleteLog(_ partition: TopicPartition) async throws {
        try await deleteLogs([partition], tag: "partition")
    }

    /// Appends a batch to a partition's log on the I/O pool (see `PartitionLog.append`).
    /// - Parameters:
    ///   - batch: a v2 record batch.
    ///   - log: the partition log.
    /// - Returns: the offsets given.
    /// - Throws: `LogError` from the append.
    public func append(_ batch: RecordBatch, to log: PartitionLog) async throws -> AppendInfo {
        try await threadPool.runIfActive { [self] in
            defer { used(log) }
            return try log.append(batch)
        }
    }

    /// Appends a batch and returns once an fsync covers it (acks=all), in one trip to the I/O pool: the
    /// append and the group-commit registration happen on the same pool thread (see `append(_:to:whenFlushed:)`,
    /// the path the broker's acks=all produce takes).
    /// - Parameters:
    ///   - batch: a v2 record batch.
    ///   - log: the partition log.
    /// - Returns: the offsets given, now durable.
    /// - Throws: `LogError` from the append or the fsync.
    public func appendDurably(_ batch: RecordBatch, to log: PartitionLog) async throws -> AppendInfo {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AppendInfo, any Error>) in
            submitAppend([batch], to: log) { appended in
                // Written: the answer waits for the fsync, unless the append failed.
                if case .failure(let error) = appended { continuation.resume(throwing: error) }
            } whenFlushed: { flushed, appended in
                continuation.resume(with: flushed.map { appended.last })
            }
        }
    }

    /// Appends `batches` in order on one I/O pool thread and, with `whenFlushed`, registers there for the
    /// group-commit fsync that covers them: acks 0, 1 and all each cost one trip to the pool. A batch that fails
    /// stops the appends; the batches before it stay written.
    /// - Parameters:
    ///   - batches: v2 record batches, in the order to append them; at least one.
    ///   - log: the partition log.
    ///   - whenFlushed: called once, on a pool thread, when an fsync covers the last batch or fails; not called
    ///     when this throws.
    /// - Returns: the offsets of the first and last batch, written (not yet durable).
    /// - Throws: `LogError` from an append, `.closed` once the manager has shut down.
    public func append(_ batches: [RecordBatch], to log: PartitionLog,
                       whenFlushed: (@Sendable (Result<Void, any Error>) -> Void)?) async throws -> AppendedBatches
    {
        var flushed: (@Sendable (Result<Void, any Error>, AppendedBatches) -> Void)?
        if let whenFlushed {
            flushed = { result, _ in whenFlushed(result) }
        }
        let report = flushed
        return try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<AppendedBatches, any Error>) in
            submitAppend(
                batches, to: log, appended: { result in continuation.resume(with: result) }, whenFlushed: report)
        }
    }

    /// The one append path: on a pool thread, appends every batch, reports, then (when the appends succeeded and
    /// `whenFlushed` is given) enqueues the fsync that covers the last one and reports its outcome. `appended`
    /// runs first, then `whenFlushed`, unless the appends failed.
    private func submitAppend(
        _ batches: [RecordBatch], to log: PartitionLog,
        appended: @escaping @Sendable (Result<AppendedBatches, any Error>) -> Void,
        whenFlushed: (@Sendable (Result<Void, any Error>, AppendedBatches) -> Void)?
    ) {
        precondition(!batches.isEmpty, "an append needs at least one batch")
        threadPool.submit { [flushScheduler] state in
            guard case .active = state else { return appended(.failure(LogError.closed)) }
            defer { self.used(log) }
            let result: AppendedBatches
            do {
                result = try Self.appendBlocking(batches, to: log)
            } catch {
                return appended(.failure(error))
            }
            appended(.success(result))
            if let whenFlushed {
                flushScheduler.enqueue(log, upTo: result.last.lastOffset) { whenFlushed($0, result) }
            }
        }
    }

    /// One partition's share of `append(_:)`: its batches, its log, and what to call when an fsync covers them.
    public struct AppendPart: Sendable {
        /// v2 record batches, in the order to append them; at least one.
        public var batches: [RecordBatch]
        /// The partition log.
        public var log: PartitionLog
        /// Called once, on a pool thread, when an fsync covers the last batch or fails; nil for no fsync wait.
        public var whenFlushed: (@Sendable (Result<Void, any Error>) -> Void)?

        /// - Parameters:
        ///   - batches: the batches, at least one.
        ///   - log: the partition log.
        ///   - whenFlushed: called when an fsync covers them (acks=all), or nil.
        public init(batches: [RecordBatch], log: PartitionLog,
                    whenFlushed: (@Sendable (Result<Void, any Error>) -> Void)?)
        {
            self.batches = batches
            self.log = log
            self.whenFlushed = whenFlushed
        }
    }

    /// Appends several partitions' batches in one trip to the I/O pool (a produce request's partitions, however
    /// many), each partition as `append(_:to:whenFlushed:)` does: in order, stopping at its first failing batch,
    /// and registering for the group-commit fsync when it has a `whenFlushed` and its appends succeeded.
    /// - Parameter parts: the partitions' batches.
    /// - Returns: per part, in order, the offsets of its first and last batch (written, not yet durable) or why it
    ///   failed (`LogError`, `.closed` once the manager has shut down).
    public func append(_ parts: [AppendPart]) async -> [Result<AppendedBatches, any Error>] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Result<AppendedBatches, any Error>], Never>) in
            append(parts) { continuation.resume(returning: $0) }
        }
    }

    /// `append(_:)` with a callback: `completion` gets the results on the pool thread that appended (after each
    /// part's fsync registration), so a caller that only waits for the fsyncs next is not woken in between.
    /// - Parameters:
    ///   - parts: the partitions' batches.
    ///   - completion: called once with one result per part, in order, on a pool thread.
    public func append(
        _ parts: [AppendPart], completion: @escaping @Sendable ([Result<AppendedBatches, any Error>]) -> Void
    ) {
        threadPool.submit { state in
            guard case .active = state else { return completion(parts.map { _ in .failure(LogError.closed) }) }
            completion(self.appendParts(parts))
        }
    }

    /// `append(_:completion:)` in `queue`'s order: the parts are appended after everything submitted to the queue
    /// before them and before everything submitted after, and `completion` calls run in that order too. One trip
    /// to the I/O pool serves every submission queued when it starts, so a client with several requests in flight
    /// (a connection's produce requests) shares pool trips; what arrives during a trip gets the next one, queued
    /// behind other work on the pool.
    /// - Parameters:
    ///   - parts: the partitions' batches.
    ///   - queue: the order to keep (one per connection).
    ///   - completion: called once with one result per part, in order, on a pool thread.
    public func append(
        _ parts: [AppendPart], in queue: AppendQueue,
        completion: @escaping @Sendable ([Result<AppendedBatches, any Error>]) -> Void
    ) {
        if queue.add(.init(parts: parts, completion: completion)) { takeTurn(on: queue) }
    }

    /// One turn of a pool thread on `queue`: appends what is queued, then queues another turn if more came.
    private func takeTurn(on queue: AppendQueue) {
        threadPool.submit { state in
            for job in queue.take() {
                guard case .active = state else {
                    job.completion(job.parts.map { _ in .failure(LogError.closed) })
                    continue
                }
                job.completion(self.appendParts(job.parts))
            }
            if queue.endTurn() { self.takeTurn(on: queue) }
        }
    }

    /// Appends each part on the calling pool thread, registering the fsync waits of those that succeed.
    private func appendParts(_ parts: [AppendPart]) -> [Result<AppendedBatches, any Error>] {
        var results: [Result<AppendedBatches, any Error>] = []
        results.reserveCapacity(parts.count)
        for part in parts {
            defer { used(part.log) }
            do {
                let appended = try Self.appendBlocking(part.batches, to: part.log)
                results.append(.success(appended))
                if let whenFlushed = part.whenFlushed {
                    flushScheduler.enqueue(part.log, upTo: appended.last.lastOffset, completion: whenFlushed)
                }
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Appends `batches` in order on the calling (pool) thread.
    private static func appendBlocking(_ batches: [RecordBatch], to log: PartitionLog) throws(LogError)
        -> AppendedBatches
    {
        var first: AppendInfo?
        var last: AppendInfo?
        for batch in batches {
            let info = try log.append(batch)
            first = first ?? info
            last = info
        }
        guard let first, let last else { preconditionFailure("no batch appended") }
        return AppendedBatches(first: first, last: last)
    }

    /// Reads whole batches from a partition's log on the I/O pool (see `PartitionLog.read`).
    /// - Parameters:
    ///   - log: the partition log.
    ///   - offset: the first offset wanted.
    ///   - maxBytes: the most bytes wanted (at least one batch is returned).
    /// - Throws: `LogError.offsetOutOfRange` or `.storage`.
    public func read(from log: PartitionLog, offset: Int64, maxBytes: Int) async throws -> LogReadInfo {
        try await threadPool.runIfActive { [self] in
            defer { used(log) }
            return try log.read(from: offset, maxBytes: maxBytes)
        }
    }

    /// Returns once an fsync covers `offset` in `log` (group commit: concurrent callers share fsyncs).
    /// - Parameters:
    ///   - log: the partition log.
    ///   - offset: the last offset that must be durable; below the log end offset.
    /// - Throws: `LogError.invalidArgument` for an offset not yet appended, `.storage`/`.offline` when fsync fails.
    public func flush(_ log: PartitionLog, upTo offset: Int64) async throws {
        guard offset < log.logEndOffset else {
            throw LogError.invalidArgument("cannot flush up to \(offset): the log ends at \(log.logEndOffset)")
        }
        try await flushScheduler.flush(log, upTo: offset)
    }

    /// Runs blocking log work (lookups that may read files) on the I/O pool.
    /// - Parameter body: the work.
    /// - Throws: whatever `body` throws, or when the pool has shut down.
    public func onIOThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runIfActive(body)
    }

    /// How many group-commit rounds have run.
    public var groupCommitRounds: Int { flushScheduler.roundCount }

    /// How many group-commit rounds one syncfs made durable (rounds of `syncfsMinimumPartitions` or more).
    public var groupCommitSyncfsRounds: Int { flushScheduler.syncfsRoundCount }
}
