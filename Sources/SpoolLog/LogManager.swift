import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import SpoolRecords

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
    /// The most disk reserved ahead of active segments' data, over all partitions (`log.preallocate.max.bytes`).
    public var preallocateMaxBytes = DiskReservations.defaultMaxBytes

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
    let flushScheduler: FlushScheduler
    let directoryLock: DataDirectoryLock
    let logger: Logger
    /// The disk reserved ahead of active segments' data, shared by every log of the directory.
    public let reservations: DiskReservations
    private let lock = NIOLock()
    private var logs: [TopicPartition: PartitionLog]
    private var closed = false
    private var lastCheckpoint: [TopicPartition: Int64] = [:]

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

    private init(configuration: LogManagerConfiguration, threadPool: NIOThreadPool, directoryLock: DataDirectoryLock,
                 logs: [TopicPartition: PartitionLog], reports: [TopicPartition: RecoveryReport], clean: Bool,
                 logger: Logger, reservations: DiskReservations)
    {
        self.reservations = reservations
        self.configuration = configuration
        self.threadPool = threadPool
        self.directoryLock = directoryLock
        self.logs = logs
        self.recoveryReports = reports
        self.openedAfterCleanShutdown = clean
        self.logger = logger
        self.flushScheduler = FlushScheduler(threadPool: threadPool, logger: logger)
    }

    /// Opens the data directory (creating it when missing), takes its lock and loads every partition log.
    /// - Parameters:
    ///   - configuration: the settings.
    ///   - logger: where to log.
    /// - Returns: the open manager.
    /// - Throws: `LogError.dataDirectoryLocked` when another broker holds the directory, `.storage` on I/O errors.
    public static func open(configuration: LogManagerConfiguration, logger: Logger) async throws -> LogManager {
        try configuration.defaultLogConfig.validate()
        let threadPool = NIOThreadPool(numberOfThreads: max(2, configuration.ioThreads))
        threadPool.start()
        do {
            return try await threadPool.runIfActive {
                try openBlocking(configuration: configuration, threadPool: threadPool, logger: logger)
            }
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    private static func openBlocking(configuration: LogManagerConfiguration, threadPool: NIOThreadPool,
                                     logger: Logger) throws(LogError) -> LogManager
    {
        let directory = configuration.dataDirectory
        try FileSystem.makeDirectories(directory)
        let directoryLock = try DataDirectoryLock(directory: directory)
        let markerPath = directory + "/" + cleanShutdownFile
        let clean = FileSystem.exists(markerPath)
        let recoveryPoints = clean ? [:] : RecoveryCheckpoint.read(directory: directory)
        let reservations = DiskReservations(maxBytes: configuration.preallocateMaxBytes)
        var logs: [TopicPartition: PartitionLog] = [:]
        var reports: [TopicPartition: RecoveryReport] = [:]
        for name in try FileSystem.list(directory).sorted() {
            guard let partition = TopicPartition(directoryName: name), FileSystem.isDirectory(directory + "/" + name)
            else { continue }
            let (log, report) = try PartitionLog.load(
                topicPartition: partition, directory: directory + "/" + name, config: configuration.defaultLogConfig,
                cleanShutdown: clean, recoveryPoint: recoveryPoints[partition], logger: logger,
                reservations: reservations)
            logs[partition] = log
            if report.segmentsRecovered > 0 { reports[partition] = report }
        }
        // From here on a crash must be seen as unclean.
        if clean {
            try FileSystem.remove(markerPath)
            try FileSystem.syncDirectory(directory)
        }
        logger.info(
            "opened data directory",
            metadata: ["dataDir": "\(directory)", "partitions": "\(logs.count)", "cleanShutdown": "\(clean)"])
        return LogManager(
            configuration: configuration, threadPool: threadPool, directoryLock: directoryLock, logs: logs,
            reports: reports, clean: clean, logger: logger, reservations: reservations)
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
    /// - Parameters:
    ///   - partition: the partition.
    ///   - config: settings for a new log.
    /// - Throws: `LogError.invalidArgument` for an illegal topic name or bad settings, `.storage` on I/O errors.
    public func getOrCreateLog(_ partition: TopicPartition, config: LogConfig? = nil) async throws -> PartitionLog {
        if let existing = log(for: partition) { return existing }
        guard TopicPartition.isLegalTopicName(partition.topic), partition.partition >= 0 else {
            throw LogError.invalidArgument("illegal topic partition \(partition): topic names use [a-zA-Z0-9._-]")
        }
        let config = config ?? configuration.defaultLogConfig
        let directory = configuration.dataDirectory + "/" + partition.directoryName
        return try await threadPool.runIfActive { [self] in
            try lock.withLock { () throws -> PartitionLog in
                if closed { throw LogError.closed }
                if let existing = logs[partition] { return existing }
                let log = try PartitionLog.create(
                    topicPartition: partition, directory: directory, config: config, logger: logger,
                    reservations: reservations)
                logs[partition] = log
                return log
            }
        }
    }

    /// Deletes a partition's log and its files.
    /// - Parameter partition: the partition.
    /// - Throws: `LogError.storage` when the files cannot be removed.
    public func deleteLog(_ partition: TopicPartition) async throws {
        guard let log = lock.withLock({ logs.removeValue(forKey: partition) }) else { return }
        try await threadPool.runIfActive { [configuration] in
            let renamed = log.directory + ".deleted"
            try FileSystem.rename(log.directory, renamed)
            try FileSystem.syncDirectory(configuration.dataDirectory)
            try FileSystem.removeDirectory(renamed)
        }
    }

    /// Appends a batch to a partition's log on the I/O pool (see `PartitionLog.append`).
    /// - Parameters:
    ///   - batch: a v2 record batch.
    ///   - log: the partition log.
    /// - Returns: the offsets given.
    /// - Throws: `LogError` from the append.
    public func append(_ batch: RecordBatch, to log: PartitionLog) async throws -> AppendInfo {
        try await threadPool.runIfActive { try log.append(batch) }
    }

    /// Appends a batch and returns once an fsync covers it (acks=all), in one trip to the I/O pool: the
    /// append and the group-commit registration happen on the same pool thread.
    /// - Parameters:
    ///   - batch: a v2 record batch.
    ///   - log: the partition log.
    /// - Returns: the offsets given, now durable.
    /// - Throws: `LogError` from the append or the fsync.
    public func appendDurably(_ batch: RecordBatch, to log: PartitionLog) async throws -> AppendInfo {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AppendInfo, any Error>) in
            threadPool.submit { [flushScheduler] state in
                guard case .active = state else { return continuation.resume(throwing: LogError.closed) }
                do {
                    let info = try log.append(batch)
                    flushScheduler.enqueue(log, upTo: info.lastOffset) { result in
                        continuation.resume(with: result.map { info })
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Reads whole batches from a partition's log on the I/O pool (see `PartitionLog.read`).
    /// - Parameters:
    ///   - log: the partition log.
    ///   - offset: the first offset wanted.
    ///   - maxBytes: the most bytes wanted (at least one batch is returned).
    /// - Throws: `LogError.offsetOutOfRange` or `.storage`.
    public func read(from log: PartitionLog, offset: Int64, maxBytes: Int) async throws -> LogReadInfo {
        try await threadPool.runIfActive { try log.read(from: offset, maxBytes: maxBytes) }
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
}
