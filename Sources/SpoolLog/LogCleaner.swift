import CSpoolIO
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Where one compacted log stands with the cleaner, for `/metrics`, the admin API and tests.
public struct CleanerPartitionStatus: Sendable, Equatable, Encodable {
    /// Where the dirty section (records not yet compacted) starts.
    public var firstDirtyOffset: Int64
    /// The dirty section's share of the log's inactive bytes, 0 to 1, as last measured.
    public var dirtyRatio: Double
    /// Bytes compaction removed from the log since the broker started.
    public var bytesReclaimed: Int64
    /// Whether an error took the log out of cleaning until a restart.
    public var uncleanable: Bool
}

/// The log cleaner (Kafka's `LogCleaner` and `LogCleanerManager`): compacts logs whose `cleanup.policy` includes
/// `compact`, the dirtiest first, on one thread of its own (at nice +10) so that produce and fetch never wait behind it, within
/// `log.cleaner.dedupe.buffer.size` of memory and `log.cleaner.io.max.bytes.per.second` of I/O. Progress per log (where
/// its dirty section starts) is kept in `<data-dir>/cleaner-offset-checkpoint`.
///
/// Thread-safe. As a swift-service-lifecycle `Service`, `run()` cleans until graceful shutdown, which stops a round
/// between two batches (its cleaned files are discarded; the log stays as it was).
public final class LogCleaner: Service, @unchecked Sendable {
    private let dataDirectory: String
    private let logs: @Sendable () -> [PartitionLog]
    private let configuration: LogCleanerConfiguration
    private let logger: Logger
    private let threadPool = NIOThreadPool(numberOfThreads: 1)
    private let lock = NIOLock()
    /// Where each log's dirty section starts (guarded by `lock`).
    private var checkpoints: [TopicPartition: Int64]
    private var ratios: [TopicPartition: Double] = [:]
    private var reclaimed: [TopicPartition: Int64] = [:]
    private var uncleanable: Set<TopicPartition> = []
    /// Mapped at the first round, its memory given back after each (only the cleaner's thread touches it).
    private var map: OffsetMap?
    private let stopping = Atomic<Bool>(false)

    private let bytesRead = Counter(label: "spool_log_cleaner_bytes_read_total")
    private let bytesWritten = Counter(label: "spool_log_cleaner_bytes_written_total")
    private let bytesReclaimed = Counter(label: "spool_log_cleaner_bytes_reclaimed_total")
    private let recordsRemoved = Counter(label: "spool_log_cleaner_records_removed_total")
    private let roundsCleaned = Counter(label: "spool_log_cleaner_rounds_total", dimensions: [("result", "cleaned")])
    private let roundsAborted = Counter(label: "spool_log_cleaner_rounds_total", dimensions: [("result", "aborted")])
    private let roundsFailed = Counter(label: "spool_log_cleaner_rounds_total", dimensions: [("result", "failed")])
    private let roundTimer = Metrics.Timer(label: "spool_log_cleaner_round_seconds")
    private let maxDirtyRatio = Gauge(label: "spool_log_cleaner_max_dirty_ratio")
    private let mapUtilization = Gauge(label: "spool_log_cleaner_offset_map_utilization")
    private let uncleanableGauge = Gauge(label: "spool_log_cleaner_uncleanable_partitions")

    /// A cleaner for `manager`'s logs, with its `configuration.cleaner` settings.
    /// - Parameters:
    ///   - manager: the logs; its data directory holds the cleaner's checkpoint.
    ///   - logger: where to log.
    public convenience init(manager: LogManager, logger: Logger) {
        self.init(
            dataDirectory: manager.configuration.dataDirectory, configuration: manager.configuration.cleaner,
            logs: { manager.allLogs }, logger: logger)
    }

    /// A cleaner for the logs `logs` returns, with its checkpoint in `dataDirectory`.
    init(dataDirectory: String, configuration: LogCleanerConfiguration, logs: @escaping @Sendable () -> [PartitionLog],
         logger: Logger)
    {
        self.dataDirectory = dataDirectory
        self.configuration = configuration
        self.logs = logs
        self.logger = logger
        self.checkpoints = RecoveryCheckpoint.read(directory: dataDirectory, fileName: RecoveryCheckpoint.cleanerFileName)
    }

    /// Where `partition` stands, or nil when the cleaner has not looked at it (it is not compacted, or the cleaner
    /// has not run since it became so).
    /// - Parameter partition: the partition.
    public func status(of partition: TopicPartition) -> CleanerPartitionStatus? {
        lock.withLock {
            guard let first = checkpoints[partition] else { return nil }
            return CleanerPartitionStatus(
                firstDirtyOffset: first, dirtyRatio: ratios[partition] ?? 0,
                bytesReclaimed: reclaimed[partition] ?? 0, uncleanable: uncleanable.contains(partition))
        }
    }

    /// Cleans until graceful shutdown: the dirtiest log that is due, then the next; sleeps `log.cleaner.backoff.ms`
    /// when none is.
    public func run() async throws {
        guard configuration.enabled else {
            try? await gracefulShutdown()
            return
        }
        threadPool.start()
        defer { threadPool.shutdownGracefully { _ in } }
        // The pool's one thread runs every round: at nice +10 it yields the CPU to the threads serving produce and
        // fetch when the cores are busy, and takes all it can when they are not.
        _ = try? await threadPool.runIfActive { spool_lower_thread_priority(10) }
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let cleaned: CleaningStats?
                do {
                    cleaned = try await threadPool.runIfActive { [self] in try cleanOnce() }
                } catch {
                    cleaned = nil
                    logger.warning("log cleaner pass failed; retrying after the backoff", metadata: ["error": "\(error)"])
                }
                if cleaned != nil { continue }
                try? await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(self.configuration.backoffMs))
                }
            }
        } onGracefulShutdown: { [self] in
            stopping.store(true, ordering: .relaxed)
        }
    }

    /// Cleans the dirtiest log that is due, once; blocks (call it off the event loops).
    /// - Parameter now: the wall clock in milliseconds; nil for the system clock (tests pass their own).
    /// - Returns: what the round did, or nil when no log was due.
    @discardableResult
    public func cleanOnce(now: Int64? = nil) throws -> CleaningStats? {
        let now = now ?? FileSystem.nowMs()
        guard let (log, view, firstDirty, firstUncleanable) = try dirtiestLog(now: now) else { return nil }
        let map = try self.map ?? OffsetMap(bytes: configuration.dedupeBufferBytes)
        self.map = map
        defer { map.clear() }  // the map's memory goes back between rounds
        let round = CleaningRound(
            log: log, view: view, map: map, throttler: Throttler(bytesPerSecond: configuration.ioMaxBytesPerSecond),
            now: now, ioBufferBytes: configuration.ioBufferBytes,
            shouldStop: { [self] in
                stopping.load(ordering: .relaxed) || log.offline != nil
                    || !log.logConfig.cleanupPolicy.contains(.compact)
            },
            logger: logger)
        let started = ContinuousClock.now
        do {
            let stats = try round.run(firstDirty: firstDirty, firstUncleanable: firstUncleanable)
            roundTimer.record(duration: ContinuousClock.now - started)
            record(stats, for: log.topicPartition)
            saveCheckpoints()
            return stats
        } catch CleaningAbort.stopped {
            roundsAborted.increment()
            return nil
        } catch CleaningAbort.segmentsChanged {
            roundsAborted.increment()
            logger.debug("cleaning round aborted: retention changed the log", metadata: ["partition": "\(log.topicPartition)"])
            return nil
        } catch where log.offline != nil {
            roundsAborted.increment()  // the log went offline (deleted, a failed fsync) during the round
            return nil
        } catch {
            roundsFailed.increment()
            lock.withLock { _ = uncleanable.insert(log.topicPartition) }
            uncleanableGauge.record(lock.withLock { uncleanable.count })
            logger.error(
                "log cleaning failed; the partition is not cleaned again until a restart",
                metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
            return nil
        }
    }

    private func record(_ stats: CleaningStats, for partition: TopicPartition) {
        lock.withLock {
            checkpoints[partition] = stats.endOffset
            ratios[partition] = 0
            reclaimed[partition, default: 0] += Int64(stats.bytesReclaimed)
        }
        bytesRead.increment(by: stats.bytesRead)
        bytesWritten.increment(by: stats.bytesWritten)
        bytesReclaimed.increment(by: stats.bytesReclaimed)
        recordsRemoved.increment(by: stats.recordsRemoved)
        roundsCleaned.increment()
        mapUtilization.record(stats.mapUtilization)
        logger.info(
            "cleaned log",
            metadata: [
                "partition": "\(partition)", "segments": "\(stats.segmentsCleaned)→\(stats.segmentsWritten)",
                "bytesRead": "\(stats.bytesRead)", "bytesReclaimed": "\(stats.bytesReclaimed)",
                "recordsRemoved": "\(stats.recordsRemoved)", "recordsKept": "\(stats.recordsKept)",
                "firstDirtyOffset": "\(stats.endOffset)",
            ])
    }

    /// Writes the checkpoint. A failure (a full disk) costs only work: the next start cleans again from the last
    /// checkpoint written, so it is logged, and never held against the partition just cleaned.
    private func saveCheckpoints() {
        let points = lock.withLock { checkpoints }
        do {
            try RecoveryCheckpoint.write(points, directory: dataDirectory, fileName: RecoveryCheckpoint.cleanerFileName)
        } catch {
            logger.warning("cleaner checkpoint not written; the next start cleans again from the last one", metadata: ["error": "\(error)"])
        }
    }

    /// Forgets the partitions no longer held (deleted topics), so that what the cleaner keeps per partition grows
    /// with the partitions there are, not with every one there ever was.
    private func forgetPartitions(except live: Set<TopicPartition>) {
        lock.withLock {
            checkpoints = checkpoints.filter { live.contains($0.key) }
            ratios = ratios.filter { live.contains($0.key) }
            reclaimed = reclaimed.filter { live.contains($0.key) }
            uncleanable = uncleanable.filter { live.contains($0) }
        }
        uncleanableGauge.record(lock.withLock { uncleanable.count })
    }

    /// The compacted log with the highest dirty ratio among those due (Kafka's `grabFilthiestCompactedLog`): past
    /// `min.cleanable.dirty.ratio`, or holding a record older than `max.compaction.lag.ms` in its dirty section.
    private func dirtiestLog(now: Int64) throws -> (PartitionLog, CleaningView, Int64, Int64)? {
        var best: (log: PartitionLog, view: CleaningView, first: Int64, limit: Int64, ratio: Double, due: Bool)?
        var highest = 0.0
        let logs = logs()
        forgetPartitions(except: Set(logs.map(\.topicPartition)))
        for log in logs where log.logConfig.cleanupPolicy.contains(.compact) {
            let partition = log.topicPartition
            guard !lock.withLock({ uncleanable.contains(partition) }), let view = try log.cleaningView() else { continue }
            let first = firstDirtyOffset(of: partition, in: view)
            let limit = firstUncleanableOffset(view, firstDirty: first, now: now)
            var cleanBytes = 0
            var dirtyBytes = 0
            for segment in view.segments {
                if segment.nextOffset <= first {
                    cleanBytes += segment.size
                } else if segment.baseOffset < limit {
                    dirtyBytes += segment.size
                }
            }
            guard dirtyBytes > 0, limit > first else { continue }
            let ratio = Double(dirtyBytes) / Double(cleanBytes + dirtyBytes)
            lock.withLock { ratios[partition] = ratio }
            highest = max(highest, ratio)
            let overdue = view.config.maxCompactionLagMs < Int64.max
                && view.segments.first(where: { $0.nextOffset > first }).map {
                    $0.firstTimestamp >= 0 && now - $0.firstTimestamp > view.config.maxCompactionLagMs
                } == true
            guard ratio > view.config.minCleanableDirtyRatio || overdue else { continue }
            if best == nil || (overdue && !(best?.due ?? false)) || ratio > (best?.ratio ?? 0) {
                best = (log, view, first, limit, ratio, overdue)
            }
        }
        maxDirtyRatio.record(highest)
        return best.map { ($0.log, $0.view, $0.first, $0.limit) }
    }

    /// Where the dirty section starts: the checkpoint, or the log start when there is none or it no longer lies in
    /// the log (retention or DeleteRecords moved the start past it; recovery cut the log below it).
    private func firstDirtyOffset(of partition: TopicPartition, in view: CleaningView) -> Int64 {
        lock.withLock {
            let end = view.segments.last?.nextOffset ?? view.activeBaseOffset
            if let point = checkpoints[partition], point >= view.logStartOffset, point <= max(end, view.activeBaseOffset) {
                return point
            }
            checkpoints[partition] = view.logStartOffset
            return view.logStartOffset
        }
    }

    /// Where cleaning must stop: the active segment, the flushed offset, and the first segment whose newest
    /// record is younger than `min.compaction.lag.ms`.
    private func firstUncleanableOffset(_ view: CleaningView, firstDirty: Int64, now: Int64) -> Int64 {
        var limit = min(view.activeBaseOffset, view.flushedOffset, view.lastStableOffset)
        if view.config.minCompactionLagMs > 0,
           let young = view.segments.first(where: {
               $0.nextOffset > firstDirty && now - $0.largestTimestamp < view.config.minCompactionLagMs
           })
        {
            limit = min(limit, young.baseOffset)
        }
        return limit
    }
}
