import Logging
import ServiceLifecycle

extension LogManager {
    /// Syncs every log (data and indexes) and writes the recovery checkpoint when it changed.
    /// - Throws: the first `LogError` met; the other logs are still synced.
    public func checkpoint() async throws {
        let logs = allLogs
        try await threadPool.runIfActive { [self] in
            var points: [TopicPartition: Int64] = [:]
            var firstError: (any Error)?
            for log in logs {
                do {
                    points[log.topicPartition] = try log.flushForCheckpoint()
                } catch {
                    firstError = firstError ?? error
                    logger.error("background flush failed", metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
                }
            }
            trimOpenFiles()
            if points != lastCheckpointValue {
                try RecoveryCheckpoint.write(points, directory: configuration.dataDirectory)
                lastCheckpointValue = points
            }
            if let firstError { throw firstError }
        }
    }

    /// Runs retention on every log.
    /// - Returns: how many segments were deleted.
    /// - Throws: the first `LogError` met.
    @discardableResult
    public func deleteExpiredSegments() async throws -> Int {
        let logs = allLogs
        return try await threadPool.runIfActive {
            var deleted = 0
            for log in logs { deleted += try log.deleteExpiredSegments() }
            return deleted
        }
    }

    /// Runs the background flush every `flushIntervalMs` and retention every `retentionCheckIntervalMs`
    /// until graceful shutdown (or cancellation), then closes every log cleanly.
    public func run() async throws {
        var sinceRetention: Int64 = 0
        let flushInterval = max(configuration.flushIntervalMs, 1)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(flushInterval)) }
            } catch {
                break
            }
            do {
                try await checkpoint()
                sinceRetention += flushInterval
                if sinceRetention >= configuration.retentionCheckIntervalMs {
                    sinceRetention = 0
                    try await deleteExpiredSegments()
                }
            } catch {
                logger.error("background log work failed", metadata: ["error": "\(error)"])
            }
        }
        try await shutdown()
    }

    /// Closes the manager: no new appends, every log flushed and closed, the recovery checkpoint and the
    /// clean-shutdown marker written, the directory lock released. Safe to call twice.
    /// - Throws: `LogError.storage` when the final sync fails (the marker is then not written, so the next
    ///   start recovers).
    public func shutdown() async throws {
        guard markClosed() else { return }
        let logs = allLogs
        try await threadPool.runIfActive { [self] in
            try closeLogs(logs)
            logger.info("log manager shut down cleanly", metadata: ["partitions": "\(logs.count)"])
        }
        directoryLock.release()
        try await threadPool.shutdownGracefully()
        try await flushThreads.shutdownGracefully()
    }

    /// Closes every log (all of them, even after one fails) and, only when each one's data is synced, writes the
    /// clean-shutdown marker. The recovery checkpoint is then optional: a start that finds the marker does not
    /// read it, so a full disk that refuses the checkpoint still ends in a clean shutdown.
    /// - Throws: the first log's close error (no marker is written then, so the next start recovers).
    private func closeLogs(_ logs: [PartitionLog]) throws {
        var points: [TopicPartition: Int64] = [:]
        var firstError: (any Error)?
        for log in logs {
            do {
                try log.close()
                points[log.topicPartition] = log.recoveryPoint
            } catch {
                firstError = firstError ?? error
                logger.error(
                    "closing a log failed", metadata: ["partition": "\(log.topicPartition)", "error": "\(error)"])
            }
        }
        if let firstError { throw firstError }
        let directory = configuration.dataDirectory
        do {
            try RecoveryCheckpoint.write(points, directory: directory)
        } catch {
            logger.warning(
                "recovery checkpoint not written at shutdown; the clean-shutdown marker makes it unnecessary",
                metadata: ["error": "\(error)"])
        }
        let marker = try LogFile(path: directory + "/" + LogManager.cleanShutdownFile, create: true)
        try marker.sync()
        try FileSystem.syncDirectory(directory)
    }
}
