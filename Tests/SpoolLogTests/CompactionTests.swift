import Foundation
import Synchronization
import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// One record as a consumer reading the log from its start sees it.
struct ReadRecord: Equatable {
    let offset: Int64
    let key: String?
    let value: String?
}

/// A compacted log's workload and what it must read back as.
struct CompactionWorkload {
    /// Every record appended, in order (value nil: a tombstone).
    var appended: [ReadRecord] = []

    /// The latest value per key, tombstoned keys absent.
    var latest: [String: String] {
        var map: [String: String] = [:]
        for record in appended {
            guard let key = record.key else { continue }
            map[key] = record.value
        }
        return map
    }
}

enum CompactionSupport {
    static func config(segmentBytes: Int = 4096) -> LogConfig {
        var config = LogConfig()
        config.segmentBytes = segmentBytes
        config.cleanupPolicy = .compact
        config.minCleanableDirtyRatio = 0
        config.indexIntervalBytes = 512
        return config
    }

    /// Appends one batch of keyed records (`value` nil for a tombstone) and notes them in `workload`.
    static func append(_ log: PartitionLog, _ records: [(String, String?)], codec: CompressionCodec = .none,
                       producer: (id: Int64, epoch: Int16, sequence: Int32)? = nil,
                       workload: inout CompactionWorkload, timestamp: Int64 = 1_700_000_000_000) throws
    {
        var builder = RecordBatchBuilder()
        if let producer {
            builder.producerId = producer.id
            builder.producerEpoch = producer.epoch
            builder.baseSequence = producer.sequence
        }
        for (key, value) in records {
            builder.append(key: ByteBuffer(string: key), value: value.map { ByteBuffer(string: $0) }, timestamp: timestamp)
        }
        let info = try log.append(try RecordBatch(buffer: try builder.build(compression: codec)))
        for (index, (key, value)) in records.enumerated() {
            workload.appended.append(ReadRecord(offset: info.baseOffset + Int64(index), key: key, value: value))
        }
    }

    /// Every record from the log start, as a consumer reads it (gaps skipped, empty batches passed over).
    static func readAll(_ log: PartitionLog) throws -> [ReadRecord] {
        var records: [ReadRecord] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            guard let slice = try log.read(from: offset, maxBytes: 1 << 20).slice else { break }
            for batch in try RecordBatch.split(try bytes(of: slice)) {
                try batch.validateChecksum()
                var reader = try batch.decompressedRecordReader(maximumSize: 1 << 24)
                while let record = try reader.next() {
                    let recordOffset = batch.baseOffset + Int64(record.offsetDelta)
                    guard recordOffset >= offset else { continue }
                    records.append(ReadRecord(
                        offset: recordOffset, key: record.key.map { String(buffer: $0) },
                        value: record.value.map { String(buffer: $0) }))
                }
                offset = max(offset, batch.nextOffset)
            }
        }
        return records
    }

    /// The latest value per key in what the log holds, tombstoned keys absent.
    static func latest(in records: [ReadRecord]) -> [String: String] {
        var map: [String: String] = [:]
        for record in records {
            guard let key = record.key else { continue }
            map[key] = record.value
        }
        return map
    }

    static func cleaner(for logs: [PartitionLog], directory: TemporaryDirectory,
                        dedupeBytes: Int = 1 << 20) -> LogCleaner
    {
        cleaner(for: LogsBox(logs), directory: directory, dedupeBytes: dedupeBytes)
    }

    /// A cleaner over the logs `box` holds when it looks.
    static func cleaner(for box: LogsBox, directory: TemporaryDirectory, dedupeBytes: Int = 1 << 20) -> LogCleaner {
        var configuration = LogCleanerConfiguration()
        configuration.dedupeBufferBytes = dedupeBytes
        return LogCleaner(dataDirectory: directory.path, configuration: configuration, logs: { box.logs },
                          logger: testLogger)
    }

    /// One round run directly over `view` (what `LogCleaner.cleanOnce` runs after choosing the log).
    static func round(_ log: PartitionLog, view: CleaningView) throws -> CleaningStats {
        let round = CleaningRound(
            log: log, view: view, map: try OffsetMap(bytes: 1 << 20), throttler: Throttler(bytesPerSecond: .infinity),
            now: FileSystem.nowMs(), ioBufferBytes: 1 << 20, shouldStop: { false }, logger: testLogger)
        return try round.run(firstDirty: view.logStartOffset, firstUncleanable: view.activeBaseOffset)
    }

    /// Fills `log` with `updates` updates spread over `keys` keys, a few records per batch.
    static func fill(_ log: PartitionLog, keys: Int, updates: Int, perBatch: Int = 5,
                     codec: CompressionCodec = .none, prefix: String = "key", workload: inout CompactionWorkload) throws
    {
        var written = 0
        while written < updates {
            let records = (0..<min(perBatch, updates - written)).map { index in
                ("\(prefix)-\((written + index) % keys)", Optional("value-\(written + index)"))
            }
            try append(log, records, codec: codec, workload: &workload)
            written += records.count
        }
    }
}

final class LogsBox: Sendable {
    private let held: Mutex<[PartitionLog]>
    init(_ logs: [PartitionLog]) { held = Mutex(logs) }
    var logs: [PartitionLog] {
        get { held.withLock { $0 } }
        set { held.withLock { $0 = newValue } }
    }
}

@Suite("Log compaction")
struct CompactionTests {
    @Test("a cleaned log holds the latest value of every key below the dirty point, and every record above it")
    func keepsLatestPerKey() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 40, updates: 2_000, workload: &workload)
        try log.flush()
        let before = try log.sizeInBytes()
        let cleaner = CompactionSupport.cleaner(for: [log], directory: directory)
        let stats = try #require(try cleaner.cleanOnce())
        #expect(stats.recordsRemoved > 1_500)
        #expect(try log.sizeInBytes() < before / 4)
        let read = try CompactionSupport.readAll(log)
        #expect(CompactionSupport.latest(in: read) == workload.latest)
        let cleaned = read.filter { $0.offset < stats.endOffset }
        #expect(Set(cleaned.compactMap(\.key)).count == cleaned.count, "one record per key below the dirty point")
        #expect(read.filter { $0.offset >= stats.endOffset } == workload.appended.filter { $0.offset >= stats.endOffset })
        #expect(zip(read, read.dropFirst()).allSatisfy { $0.offset < $1.offset })
        #expect(cleaner.status(of: log.topicPartition)?.firstDirtyOffset == stats.endOffset)
        #expect(log.logEndOffset == Int64(workload.appended.count))
    }

    @Test("recovery after a crash re-reads cleaned segments with their gaps and keeps them whole")
    func recoveryAcceptsGaps() throws {
        let directory = TemporaryDirectory()
        let config = CompactionSupport.config()
        var workload = CompactionWorkload()
        do {
            let log = try makeLog(directory, config: config)
            try CompactionSupport.fill(log, keys: 30, updates: 1_500, workload: &workload)
            try log.flush()
            try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce() != nil)
            let expected = try CompactionSupport.readAll(log)
            let (reopened, report) = try reopenLog(directory, config: config, clean: false, recoveryPoint: nil)
            #expect(report.problem == nil)
            #expect(report.segmentsDeleted == 0)
            #expect(reopened.logEndOffset == Int64(workload.appended.count))
            #expect(try CompactionSupport.readAll(reopened) == expected)
        }
    }

    @Test("a read at an offset compaction removed answers with the next record")
    func readsPastRemovedOffsets() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 5, updates: 1_000, workload: &workload)
        try log.flush()
        try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce() != nil)
        let kept = Set(try CompactionSupport.readAll(log).map(\.offset))
        let removed = try #require((0..<Int64(workload.appended.count)).first { !kept.contains($0) })
        let slice = try #require(try log.read(from: removed, maxBytes: 1).slice)
        let batch = try #require(try RecordBatch.split(try bytes(of: slice)).first)
        #expect(batch.lastOffset >= removed)
        // Every offset answers with a batch that holds records: empty batches (each segment's last, kept for the
        // offsets) are passed over, since librdkafka fails after ten replies of nothing but empty batches.
        for offset in stride(from: Int64(0), to: log.logEndOffset, by: 7) {
            let read = try #require(try log.read(from: offset, maxBytes: 1).slice)
            let first = try #require(try RecordBatch.split(try bytes(of: read)).first)
            #expect(first.recordsCount > 0 && first.lastOffset >= offset, "read at \(offset)")
        }
    }

    @Test("lookups by timestamp answer with the first record kept at or after the time, across removed ranges")
    func timestampsAcrossGaps() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        let base: Int64 = 1_700_000_000_000
        for index in 0..<1_500 {
            try CompactionSupport.append(
                log, [("key-\(index % 40)", "v\(index)")], workload: &workload, timestamp: base + Int64(index))
        }
        try log.flush()
        try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce() != nil)
        let kept = Set(try CompactionSupport.readAll(log).map(\.offset))
        for index in stride(from: 0, to: 1_500, by: 37) {
            // Offset i was written at base + i: the answer is the first kept offset at or after i.
            let expected = kept.filter { $0 >= Int64(index) }.min()
            let found = try log.offset(forTimestamp: base + Int64(index))
            #expect(found?.offset == expected && found?.timestamp == expected.map { base + $0 }, "at \(index)")
        }
        #expect(try log.maxTimestampOffset()?.offset == 1_499)
    }

    @Test("min.compaction.lag.ms keeps records younger than the lag uncompacted")
    func minimumLag() throws {
        let directory = TemporaryDirectory()
        var config = CompactionSupport.config()
        config.minCompactionLagMs = 60_000
        let log = try makeLog(directory, config: config)
        var workload = CompactionWorkload()
        let old: Int64 = 1_700_000_000_000
        for index in 0..<1_000 {
            try CompactionSupport.append(log, [("key-\(index % 10)", "old-\(index)")], workload: &workload, timestamp: old)
        }
        let young = workload.appended.count
        for index in 0..<1_000 {
            try CompactionSupport.append(
                log, [("key-\(index % 10)", "young-\(index)")], workload: &workload, timestamp: old + 100_000)
        }
        try log.flush()
        let stats = try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce(now: old + 120_000))
        #expect(stats.endOffset <= Int64(young) && stats.recordsRemoved > 900)
        let read = try CompactionSupport.readAll(log)
        #expect(read.filter { $0.offset >= Int64(young) } == Array(workload.appended[young...]))
    }

    @Test("max.compaction.lag.ms cleans a log that is not dirty enough once its oldest dirty record is that old")
    func maximumLag() throws {
        let directory = TemporaryDirectory()
        var config = CompactionSupport.config()
        config.minCleanableDirtyRatio = 1  // never dirty enough by ratio alone
        let log = try makeLog(directory, config: config)
        var workload = CompactionWorkload()
        // A segment's age counts from its first append's wall clock.
        let written = FileSystem.nowMs()
        try CompactionSupport.fill(log, keys: 10, updates: 1_000, workload: &workload)
        try log.flush()
        let cleaner = CompactionSupport.cleaner(for: [log], directory: directory)
        #expect(try cleaner.cleanOnce(now: written + 120_000) == nil)
        config.maxCompactionLagMs = 60_000
        try log.updateConfig(config)
        #expect(try cleaner.cleanOnce(now: written + 30_000) == nil)
        #expect(try cleaner.cleanOnce(now: written + 120_000) != nil)
    }

    @Test("tombstones delete their key, stay for delete.retention.ms after the first cleaning, then go")
    func tombstonesExpire() throws {
        let directory = TemporaryDirectory()
        var config = CompactionSupport.config()
        config.deleteRetentionMs = 60_000
        let log = try makeLog(directory, config: config)
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 20, updates: 400, workload: &workload)
        try CompactionSupport.append(log, [("key-3", nil), ("key-7", nil)], workload: &workload)
        try CompactionSupport.fill(log, keys: 2, updates: 200, workload: &workload)  // keys 0 and 1: rolls past
        try log.flush()
        let cleaner = CompactionSupport.cleaner(for: [log], directory: directory)
        let now: Int64 = 1_800_000_000_000
        try #require(try cleaner.cleanOnce(now: now) != nil)
        let first = try CompactionSupport.readAll(log)
        #expect(first.contains { $0.key == "key-3" && $0.value == nil }, "a tombstone stays within delete.retention.ms")
        #expect(CompactionSupport.latest(in: first) == workload.latest)
        // More updates make the log dirty again; a round past the horizon removes the tombstones.
        try CompactionSupport.fill(log, keys: 2, updates: 200, workload: &workload)
        try log.flush()
        try #require(try cleaner.cleanOnce(now: now + 60_001) != nil)
        let second = try CompactionSupport.readAll(log)
        #expect(!second.contains { $0.key == "key-3" || $0.key == "key-7" })
        #expect(CompactionSupport.latest(in: second) == workload.latest)
    }

    @Test("compressed batches are recompressed with their codec, keeping offsets and timestamps")
    func recompresses() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        for codec in [CompressionCodec.zstd, .lz4, .snappy, .gzip] {
            try CompactionSupport.fill(
                log, keys: 10, updates: 300, perBatch: 20, codec: codec, prefix: "\(codec)", workload: &workload)
        }
        try log.flush()
        try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce() != nil)
        #expect(CompactionSupport.latest(in: try CompactionSupport.readAll(log)) == workload.latest)
        var codecs: Set<Int> = []
        var offset: Int64 = 0
        while let slice = try log.read(from: offset, maxBytes: 1 << 20).slice {
            for batch in try RecordBatch.split(try bytes(of: slice)) {
                if batch.recordsCount > 0 { codecs.insert(batch.compressionCodec) }
                #expect(batch.recordsCount == 0 || batch.maxTimestamp == 1_700_000_000_000)
                offset = batch.nextOffset
            }
        }
        #expect(codecs.isSuperset(of: [1, 2, 3, 4]))
    }

    @Test("an idempotent producer's last batch survives as an empty batch, and its sequence after a restart")
    func producerStateSurvives() throws {
        let directory = TemporaryDirectory()
        let config = CompactionSupport.config()
        var workload = CompactionWorkload()
        let log = try makeLog(directory, config: config)
        var sequence: Int32 = 0
        for round in 0..<200 {
            try CompactionSupport.append(
                log, [("only", "v\(round)"), ("only", "w\(round)")], producer: (42, 3, sequence), workload: &workload)
            sequence += 2
        }
        // A record without a producer supersedes the producer's every record; filler rolls it out of the active
        // segment, so that the cleaner reaches it.
        try CompactionSupport.append(log, [("only", "last")], workload: &workload)
        try CompactionSupport.fill(log, keys: 1, updates: 300, workload: &workload)
        try log.flush()
        try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce() != nil)
        #expect(CompactionSupport.latest(in: try CompactionSupport.readAll(log)) == workload.latest)
        // Reads pass over empty batches: look at the segment files themselves.
        var producerBatches: [RecordBatch] = []
        for segment in log.segments {
            let file = try LogFile(path: segment.logPath, create: false)
            let batches = try RecordBatch.split(try file.read(count: try file.size(), at: 0))
            producerBatches += batches.filter { $0.producerId == 42 }
        }
        let last = try #require(producerBatches.last)
        #expect(last.recordsCount == 0 && last.baseSequence == sequence - 2 && last.lastOffsetDelta == 1)
        #expect(producerBatches.count < 200, "the producer's superseded batches are gone")
        try log.close()
        for offset in try PartitionLog.snapshotOffsets(in: log.directory) {
            try FileSystem.remove(log.directory + "/" + LogFileName.prefix(offset) + PartitionLog.snapshotSuffix)
        }
        let (reopened, _) = try reopenLog(directory, config: config, clean: false)
        // The next sequence is accepted, a retry of the last batch is recognised: the state came from the log.
        var duplicate = CompactionWorkload()
        var builder = RecordBatchBuilder()
        builder.producerId = 42
        builder.producerEpoch = 3
        builder.baseSequence = sequence - 2
        builder.append(key: ByteBuffer(string: "only"), value: ByteBuffer(string: "v199"), timestamp: 1)
        builder.append(key: ByteBuffer(string: "only"), value: ByteBuffer(string: "w199"), timestamp: 1)
        #expect(try reopened.append(try RecordBatch(buffer: builder.build())).isDuplicate)
        try CompactionSupport.append(reopened, [("only", "next")], producer: (42, 3, sequence), workload: &duplicate)
    }

    @Test("a round whose segments DeleteRecords removed after it began stops as changed, not as a failure")
    func roundAbortsOnRemovedSegments() throws {
        let directory = TemporaryDirectory()
        var config = CompactionSupport.config()
        config.cleanupPolicy = [.compact, .delete]
        let log = try makeLog(directory, config: config)
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 10, updates: 500, workload: &workload)
        try log.flush()
        let view = try #require(try log.cleaningView())
        try log.deleteRecords(before: view.segments[2].baseOffset)
        let before = try CompactionSupport.readAll(log)
        #expect(throws: CleaningAbort.segmentsChanged) { try CompactionSupport.round(log, view: view) }
        #expect(try CompactionSupport.readAll(log) == before)
    }

    @Test("the segments a swap replaced keep no descriptor while the rest of the round runs")
    func replacedSegmentsCloseTheirFiles() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 10, updates: 1_000, workload: &workload)
        try log.flush()
        let view = try #require(try log.cleaningView())
        let stats = try CompactionSupport.round(log, view: view)
        #expect(stats.segmentsCleaned == view.segments.count)
        #expect(view.segments.allSatisfy { !log.holds($0.segment) && $0.segment.file == nil })
    }

    @Test("what the cleaner keeps per partition goes when the partition does")
    func forgetsDeletedPartitions() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config())
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 10, updates: 500, workload: &workload)
        try log.flush()
        let box = LogsBox([log])
        let cleaner = CompactionSupport.cleaner(for: box, directory: directory)
        try #require(try cleaner.cleanOnce() != nil)
        #expect(cleaner.status(of: log.topicPartition) != nil)
        box.logs = []
        #expect(try cleaner.cleanOnce() == nil)
        #expect(cleaner.status(of: log.topicPartition) == nil)
    }

    @Test("retention that removed a segment during a round makes the swap refuse, leaving the log as it is")
    func swapRefusesChangedSegments() throws {
        let directory = TemporaryDirectory()
        var config = CompactionSupport.config()
        config.cleanupPolicy = [.compact, .delete]
        let log = try makeLog(directory, config: config)
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 10, updates: 500, workload: &workload)
        let view = try #require(try log.cleaningView())
        try log.deleteRecords(before: view.segments[1].baseOffset)
        let before = try CompactionSupport.readAll(log)
        #expect(try !log.replaceSegments(view.segments.prefix(2).map(\.segment)))
        #expect(try CompactionSupport.readAll(log) == before)
    }
}

@Suite("Log compaction: crash safety")
struct CompactionCrashTests {
    /// Copies of a partition directory taken at each swap step, as a crash there would leave it on disk.
    final class Snapshots: @unchecked Sendable {
        let root: String
        private(set) var taken: [(SegmentSwapStep, String)] = []
        init(root: String) { self.root = root }

        func take(_ step: SegmentSwapStep, of directory: String) {
            let copy = root + "/crash-\(taken.count)-\(step.rawValue)/topic-0"
            try? FileManager.default.createDirectory(
                atPath: root + "/crash-\(taken.count)-\(step.rawValue)", withIntermediateDirectories: true)
            try? FileManager.default.copyItem(atPath: directory, toPath: copy)
            taken.append((step, copy))
        }
    }

    @Test("a crash after any step of any swap leaves the log as before or as after, with the same latest values")
    func everyStepRecovers() throws {
        let directory = TemporaryDirectory()
        let config = CompactionSupport.config()
        let log = try makeLog(directory, config: config)
        var workload = CompactionWorkload()
        try CompactionSupport.fill(log, keys: 25, updates: 1_200, workload: &workload)
        try CompactionSupport.append(log, [("key-4", nil)], workload: &workload)
        try CompactionSupport.fill(log, keys: 3, updates: 100, prefix: "tail", workload: &workload)
        try log.flush()
        let before = try CompactionSupport.readAll(log)
        let snapshots = Snapshots(root: directory.path)
        let path = log.directory
        log.swapStepHook = { step in snapshots.take(step, of: path) }
        let stats = try #require(try CompactionSupport.cleaner(for: [log], directory: directory).cleanOnce())
        let after = try CompactionSupport.readAll(log)
        #expect(stats.segmentsWritten > 1)
        #expect(snapshots.taken.count == stats.segmentsWritten * SegmentSwapStep.allCases.count)
        for (step, copy) in snapshots.taken {
            let (recovered, report) = try PartitionLog.load(
                topicPartition: log.topicPartition, directory: copy, config: config, cleanShutdown: false,
                recoveryPoint: nil, logger: testLogger)
            let read = try CompactionSupport.readAll(recovered)
            #expect(report.segmentsDeleted == 0, "\(step)")
            #expect(recovered.logEndOffset == log.logEndOffset, "\(step)")
            #expect(CompactionSupport.latest(in: read) == workload.latest, "\(step)")
            // Each group is before or after: every record read is in `before`, and everything `after` keeps is read.
            #expect(Set(read.map(\.offset)).isSubset(of: Set(before.map(\.offset))), "\(step)")
            #expect(Set(after.map(\.offset)).isSubset(of: Set(read.map(\.offset))), "\(step)")
            let leftovers = try FileSystem.list(copy).filter { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") }
            #expect(leftovers.isEmpty, "\(step): \(leftovers)")
        }
    }

    @Test("random workloads, small offset maps and repeated rounds never change a key's latest value")
    func randomRounds() throws {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<6 {
            let directory = TemporaryDirectory()
            var config = CompactionSupport.config(segmentBytes: 2048 + trial * 700)
            config.deleteRetentionMs = Int64.random(in: 0...2, using: &generator) * 1_000
            let log = try makeLog(directory, config: config)
            // Half the trials map at most 36 of the 60 keys per round: rounds that stop where the map filled.
            let cleaner = CompactionSupport.cleaner(
                for: [log], directory: directory, dedupeBytes: trial % 2 == 0 ? 40 * OffsetMap.bytesPerSlot : 1 << 20)
            var workload = CompactionWorkload()
            var now: Int64 = 1_800_000_000_000
            var partial = trial % 2 == 1
            for _ in 0..<8 {
                for _ in 0..<Int.random(in: 20...120, using: &generator) {
                    let records = (0..<Int.random(in: 1...6, using: &generator)).map { _ -> (String, String?) in
                        let key = "k\(Int.random(in: 0..<60, using: &generator))"
                        let value = Int.random(in: 0..<10, using: &generator) == 0 ? nil : "v\(workload.appended.count)"
                        return (key, value)
                    }
                    let codec = [CompressionCodec.none, .zstd, .lz4].randomElement(using: &generator) ?? .none
                    try CompactionSupport.append(log, records, codec: codec, workload: &workload)
                }
                try log.flush()
                now += Int64.random(in: 0...3_000, using: &generator)
                if let stats = try cleaner.cleanOnce(now: now), trial % 2 == 0 { partial = partial || stats.mapUtilization > 0.9 }
                let read = try CompactionSupport.readAll(log)
                #expect(CompactionSupport.latest(in: read) == workload.latest, "trial \(trial)")
                #expect(zip(read, read.dropFirst()).allSatisfy { $0.offset < $1.offset })
                #expect(log.logEndOffset == Int64(workload.appended.count))
            }
            #expect(partial, "trial \(trial) filled its offset map at least once")
            let (reopened, report) = try reopenLog(directory, config: config, clean: false)
            #expect(report.segmentsDeleted == 0 && report.problem == nil)
            #expect(CompactionSupport.latest(in: try CompactionSupport.readAll(reopened)) == workload.latest)
        }
    }
}

@Suite("Log compaction: concurrent reads")
struct CompactionConcurrencyTests {
    @Test("reads running while rounds swap segments always get whole batches of the right offsets")
    func readsDuringSwaps() async throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, config: CompactionSupport.config(segmentBytes: 8192))
        var workload = CompactionWorkload()
        let cleaner = CompactionSupport.cleaner(for: [log], directory: directory)
        let stop = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let reader = Thread {
            var generator = SystemRandomNumberGenerator()
            while !stop.load(ordering: .relaxed) {
                let end = log.logEndOffset
                guard end > 0 else { continue }
                let offset = Int64.random(in: log.logStartOffset..<end, using: &generator)
                do {
                    guard let slice = try log.read(from: offset, maxBytes: Int.random(in: 1...70_000)).slice else {
                        continue
                    }
                    let batches = try RecordBatch.split(try bytes(of: slice))
                    for batch in batches { try batch.validateChecksum() }
                    if let last = batches.last, last.lastOffset < offset {
                        failures.withLock { $0.append("read at \(offset) ended at \(last.lastOffset)") }
                    }
                } catch {
                    failures.withLock { $0.append("read at \(offset): \(error)") }
                }
            }
        }
        reader.start()
        for _ in 0..<15 {
            try CompactionSupport.fill(log, keys: 50, updates: 1_500, workload: &workload)
            try log.flush()
            _ = try cleaner.cleanOnce()
        }
        stop.store(true, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(50))
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
        #expect(CompactionSupport.latest(in: try CompactionSupport.readAll(log)) == workload.latest)
    }
}
