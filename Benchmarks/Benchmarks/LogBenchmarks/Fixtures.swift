import Foundation
import SpoolLog
import SpoolRecords

/// One partition behind a LogManager, for group-commit runs.
final class GroupCommitFixture: @unchecked Sendable {
    let directory = temporaryDirectory()
    let manager: LogManager
    let log: PartitionLog
    let batch: RecordBatch

    init(bodyBytes: Int) async throws {
        var configuration = LogManagerConfiguration(dataDirectory: directory)
        configuration.defaultLogConfig.segmentBytes = 256 << 20
        configuration.defaultLogConfig.retentionBytes = 1 << 30
        configuration.defaultLogConfig.retentionMs = -1
        configuration.ioThreads = 8
        manager = try await LogManager.open(configuration: configuration, logger: logger)
        log = try await manager.getOrCreateLog(TopicPartition(topic: "bench", partition: 0))
        batch = makeBatch(bodyBytes: bodyBytes)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// A log filled once, to read from.
final class ReadFixture: @unchecked Sendable {
    let directory = temporaryDirectory()
    let log: PartitionLog
    let logEndOffset: Int64
    let devNull = open("/dev/null", O_WRONLY)
    let batchBytes: Int

    init(totalBytes: Int, bodyBytes: Int) throws {
        var config = LogConfig()
        config.segmentBytes = 64 << 20
        log = try PartitionLog.create(
            topicPartition: TopicPartition(topic: "read", partition: 0), directory: directory + "/read-0",
            config: config, logger: logger)
        let batch = makeBatch(bodyBytes: bodyBytes)
        batchBytes = batch.sizeInBytes
        for _ in 0..<(totalBytes / batch.sizeInBytes) { _ = try log.append(batch) }
        logEndOffset = log.logEndOffset
    }

    /// Batches hold one record each, so the next offset follows from the slice's length.
    func nextOffset(after slice: FileSlice) -> Int64 {
        slice.firstOffset + Int64(slice.length / batchBytes)
    }

    deinit {
        close(devNull)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A data directory with 100 partitions of 100 segments each, shut down cleanly.
func makeManySegments() async throws -> String {
    let directory = temporaryDirectory()
    var configuration = LogManagerConfiguration(dataDirectory: directory)
    configuration.defaultLogConfig.segmentBytes = LogConfig.minSegmentBytes
    let manager = try await LogManager.open(configuration: configuration, logger: logger)
    let batch = makeBatch(bodyBytes: 1024 - RecordBatch.headerSize)
    for partition in 0..<100 {
        let log = try await manager.getOrCreateLog(TopicPartition(topic: "many", partition: Int32(partition)))
        for _ in 0..<100 { _ = try await manager.append(batch, to: log) }
    }
    try await manager.shutdown()
    return directory
}
