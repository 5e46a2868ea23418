#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import SpoolRecords
import Synchronization
import Testing

@testable import SpoolLog

@Suite struct LogManagerTests {
    static func open(_ directory: TemporaryDirectory, config: LogConfig = LogConfig()) async throws -> LogManager {
        var configuration = LogManagerConfiguration(dataDirectory: directory.path)
        configuration.defaultLogConfig = config
        return try await LogManager.open(configuration: configuration, logger: testLogger)
    }

    @Test("concurrent appenders on several partitions get dense, unique, ordered offsets; flushes share fsyncs")
    func concurrentAppendsAndGroupCommit() async throws {
        let directory = TemporaryDirectory()
        let manager = try await Self.open(directory)
        let partitions = (0..<4).map { TopicPartition(topic: "concurrent", partition: Int32($0)) }
        var logs: [PartitionLog] = []
        for partition in partitions { logs.append(try await manager.getOrCreateLog(partition)) }
        let tasksPerPartition = 16
        let appendsPerTask = 25
        let results = try await withThrowingTaskGroup(of: (Int, [AppendInfo]).self) { group in
            for (index, log) in logs.enumerated() {
                for task in 0..<tasksPerPartition {
                    group.addTask {
                        var infos: [AppendInfo] = []
                        for _ in 0..<appendsPerTask {
                            let batch = TestBatch.make(records: Int32(task % 3 + 1), bodyBytes: 200)
                            // Half the tasks append then flush; the other half use the one-trip acks=all path.
                            let info: AppendInfo
                            if task % 2 == 0 {
                                info = try await manager.append(batch, to: log)
                                try await manager.flush(log, upTo: info.lastOffset)
                            } else {
                                info = try await manager.appendDurably(batch, to: log)
                            }
                            // flush(upTo:) returned: an fsync that started after this append covered it.
                            #expect(log.flushedOffset > info.lastOffset)
                            infos.append(info)
                        }
                        return (index, infos)
                    }
                }
            }
            var byPartition = [[AppendInfo]](repeating: [], count: logs.count)
            for try await (index, infos) in group {
                // Each task's own appends come back in increasing offset order.
                #expect(zip(infos, infos.dropFirst()).allSatisfy { $0.lastOffset < $1.baseOffset })
                byPartition[index] += infos
            }
            return byPartition
        }
        let totalAppends = logs.count * tasksPerPartition * appendsPerTask
        for (index, infos) in results.enumerated() {
            let sorted = infos.sorted { $0.baseOffset < $1.baseOffset }
            #expect(sorted.first?.baseOffset == 0)
            // Dense and unique: every batch starts where the previous one ended.
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.lastOffset + 1 == $1.baseOffset })
            #expect(logs[index].logEndOffset == (sorted.last?.lastOffset ?? -1) + 1)
            // And the log holds them in that order.
            let slice = try #require(try logs[index].read(from: 0, maxBytes: 1 << 30).slice)
            #expect(try batches(in: bytes(of: slice)).map(\.baseOffset) == sorted.map(\.baseOffset))
        }
        // Group commit: far fewer fsync rounds than appends waited on.
        #expect(manager.groupCommitRounds < totalAppends / 2)
        try await manager.shutdown()
    }

    @Test("one request's many partitions: one append trip, each fsync reported, rounds durable by syncfs or side by side",
          arguments: [0, 4])
    func manyPartitionsInOneRound(syncfsMinimumPartitions: Int) async throws {
        let directory = TemporaryDirectory()
        var configuration = LogManagerConfiguration(dataDirectory: directory.path)
        configuration.syncfsMinimumPartitions = syncfsMinimumPartitions
        let manager = try await LogManager.open(configuration: configuration, logger: testLogger)
        var logs: [PartitionLog] = []
        for index in 0..<12 {
            logs.append(try await manager.getOrCreateLog(TopicPartition(topic: "many", partition: Int32(index))))
        }
        let reported = Mutex<[Int: Result<Void, any Error>]>([:])
        for round in 0..<20 {
            let parts = logs.enumerated().map { index, log in
                LogManager.AppendPart(
                    batches: [TestBatch.make(records: 2, bodyBytes: 100), TestBatch.make(records: 1, bodyBytes: 50)],
                    log: log, whenFlushed: { result in reported.withLock { $0[round * 100 + index] = result } })
            }
            let results = await manager.append(parts)
            for (index, result) in results.enumerated() {
                let appended = try result.get()
                #expect(appended.first.baseOffset == Int64(round * 3))
                #expect(appended.last.lastOffset == Int64(round * 3 + 2), "partition \(index)")
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while reported.withLock({ $0.count }) < 20 * logs.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(reported.withLock { $0.count } == 20 * logs.count, "every append's fsync is reported")
        for (key, result) in reported.withLock({ $0 }) {
            #expect((try? result.get()) != nil, "the fsync of append \(key) failed")
        }
        // Reported durable means flushed past every append.
        for log in logs { #expect(log.flushedOffset == 60) }
        if syncfsMinimumPartitions == 0 {
            #expect(manager.groupCommitSyncfsRounds == 0)
        } else if FileSystemHandle.syncfsReportsErrors {
            #expect(manager.groupCommitSyncfsRounds > 0, "rounds of 12 partitions are made durable by one syncfs")
        }
        try await manager.shutdown()
    }

    @Test("a second broker on the same data directory is refused with a clear message")
    func dataDirectoryLock() async throws {
        let directory = TemporaryDirectory()
        let manager = try await Self.open(directory)
        await #expect {
            _ = try await Self.open(directory)
        } throws: { error in
            let text = "\(error)"
            return text.contains("in use by another Spool process") && text.contains("pid \(getpid())")
        }
        try await manager.shutdown()
        // Once released, it opens again.
        let again = try await Self.open(directory)
        try await again.shutdown()
    }

    @Test("a clean shutdown writes the marker and the next start skips recovery; a crash does not")
    func cleanShutdownMarker() async throws {
        let directory = TemporaryDirectory()
        let manager = try await Self.open(directory)
        let log = try await manager.getOrCreateLog(TopicPartition(topic: "t", partition: 0))
        for _ in 0..<10 { _ = try await manager.append(TestBatch.make(records: 2), to: log) }
        try await manager.shutdown()
        #expect(FileSystem.exists(directory.path + "/.clean-shutdown"))

        try await Self.reopenAppendAndCrash(directory)

        let afterCrash = try await Self.open(directory)
        #expect(!afterCrash.openedAfterCleanShutdown)
        let report = try #require(afterCrash.recoveryReports[TopicPartition(topic: "t", partition: 0)])
        #expect(report.segmentsRecovered == 1)
        #expect(report.bytesTruncated == 0)
        #expect(afterCrash.log(for: TopicPartition(topic: "t", partition: 0))?.logEndOffset == 22)
        try await afterCrash.shutdown()
    }

    /// Reopens cleanly, appends twice (one checkpoint between), then "dies": the manager is dropped without
    /// `shutdown()`, so no marker and no final checkpoint are written; only its descriptors (and so the
    /// directory lock) go away when this function returns.
    static func reopenAppendAndCrash(_ directory: TemporaryDirectory) async throws {
        let reopened = try await Self.open(directory)
        #expect(reopened.openedAfterCleanShutdown)
        #expect(reopened.recoveryReports.isEmpty)
        let log = try #require(reopened.log(for: TopicPartition(topic: "t", partition: 0)))
        #expect(log.logEndOffset == 20)
        // The marker is gone while running, so a crash now is seen as unclean.
        #expect(!FileSystem.exists(directory.path + "/.clean-shutdown"))
        _ = try await reopened.append(TestBatch.make(records: 1), to: log)
        try await reopened.checkpoint()
        _ = try await reopened.append(TestBatch.make(records: 1), to: log)
        try await reopened.threadPool.shutdownGracefully()
    }

    @Test("deleting a log removes its directory")
    func deleteLog() async throws {
        let directory = TemporaryDirectory()
        let manager = try await Self.open(directory)
        let partition = TopicPartition(topic: "gone", partition: 3)
        let log = try await manager.getOrCreateLog(partition)
        _ = try await manager.append(TestBatch.make(), to: log)
        try await manager.deleteLog(partition)
        #expect(manager.log(for: partition) == nil)
        #expect(!FileSystem.exists(directory.path + "/gone-3"))
        #expect(!FileSystem.exists(directory.path + "/gone-3.deleted"))
        try await manager.shutdown()
    }

    @Test("start-up after a clean shutdown loads 10,000 segments across 100 partitions without recovery")
    func manySegments() async throws {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = LogConfig.minSegmentBytes
        let manager = try await Self.open(directory, config: config)
        let partitions = (0..<100).map { TopicPartition(topic: "many", partition: Int32($0)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for partition in partitions {
                group.addTask {
                    let log = try await manager.getOrCreateLog(partition)
                    // Each 1 KiB batch fills a 1 KiB segment, so every append after the first rolls.
                    for _ in 0..<100 { _ = try await manager.append(TestBatch.make(records: 1, bodyBytes: 963), to: log) }
                }
            }
            try await group.waitForAll()
        }
        try await manager.shutdown()
        let reopened = try await Self.open(directory, config: config)
        #expect(reopened.openedAfterCleanShutdown)
        #expect(reopened.recoveryReports.isEmpty)
        let logs = reopened.allLogs
        #expect(logs.count == 100)
        #expect(logs.reduce(0) { $0 + $1.segmentCount } == 10_000)
        #expect(logs.allSatisfy { $0.logEndOffset == 100 })
        // Old segments open lazily and still read correctly.
        #expect(try logs[7].read(from: 3, maxBytes: 10).slice?.firstOffset == 3)
        try await reopened.shutdown()
    }
}
