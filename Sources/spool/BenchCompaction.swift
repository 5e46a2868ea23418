import ArgumentParser
import Foundation
import Logging
import NIOCore
import SpoolLog
import SpoolRecords

/// `spool bench compaction`: writes a compacted log straight through SpoolLog in a temporary data directory (no
/// broker) and times one log-cleaner round over it: MB/s of log read, bytes reclaimed and the memory it used.
struct BenchCompaction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compaction",
        abstract: "Time one log-cleaner round over a compacted log written to disk. Needs no broker.",
        discussion: """
            Opens a LogManager on a new data directory (under --directory, removed at the end), writes \
            --log-bytes of uncompressed batches of --batch-records records (--record-size-byte values, keys \
            drawn at random from a set sized so that --distinct-keys of the records carry distinct keys) into \
            one partition with cleanup.policy=compact, rolls its last segment, flushes, then runs one \
            unthrottled cleaning round (LogCleaner.cleanOnce) and reports its time, the MB/s of log it read \
            (both passes: mapping and rewriting), the input log size per second, the bytes reclaimed, and the \
            process's resident memory before and after (VmRSS, VmHWM from /proc/self/status). The cleaner's \
            offset map (--dedupe-buffer-bytes) is allocated by the round and counted in the after figures. \
            The log is read from the page cache unless --drop-cache asks the kernel to evict its files first.

            Examples:
              spool bench compaction
              spool bench compaction --log-bytes 1073741824 --segment-bytes 134217728 --json
            """)

    @Option(help: "Bytes of log to write (whole segments: the log is written until it has this much in them).")
    var logBytes = 1 << 30
    @Option(help: "Bytes per record value.") var recordSize = 100
    @Option(help: "Share of records that carry a distinct key, above 0 and at most 1.") var distinctKeys = 0.1
    @Option(help: "Records per batch, as a producer batches them (uncompressed).") var batchRecords = 100
    @Option(help: "segment.bytes of the log.") var segmentBytes = 128 << 20
    @Option(help: "log.cleaner.dedupe.buffer.size: memory for the cleaner's offset map.")
    var dedupeBufferBytes = LogCleanerConfiguration().dedupeBufferBytes
    @Option(help: "log.cleaner.io.buffer.size: bytes per read of a segment.")
    var ioBufferBytes = LogCleanerConfiguration().ioBufferBytes
    @Option(help: "Where to create the temporary data directory (default: the system's temporary directory).")
    var directory: String?
    @Flag(help: "Evict the log's files from the page cache before cleaning (posix_fadvise DONTNEED).")
    var dropCache = false
    @Flag(help: "Print the summary as one JSON object on standard output.") var json = false

    func validate() throws {
        guard logBytes >= 1 << 20 else { throw ValidationError("--log-bytes must be at least 1048576") }
        guard recordSize >= 0, recordSize <= 1 << 20 else {
            throw ValidationError("--record-size must be between 0 and 1048576 bytes")
        }
        guard distinctKeys > 0, distinctKeys <= 1 else {
            throw ValidationError("--distinct-keys must be above 0 and at most 1 (0.1: one record in ten)")
        }
        guard batchRecords > 0, batchRecords <= 100_000 else {
            throw ValidationError("--batch-records must be between 1 and 100000")
        }
        guard segmentBytes >= LogConfig.minSegmentBytes, segmentBytes <= LogConfig.maxSegmentBytes else {
            throw ValidationError(
                "--segment-bytes must be between \(LogConfig.minSegmentBytes) and \(LogConfig.maxSegmentBytes)")
        }
        guard dedupeBufferBytes >= LogCleanerConfiguration.minimumDedupeBufferBytes else {
            throw ValidationError(
                "--dedupe-buffer-bytes must be at least \(LogCleanerConfiguration.minimumDedupeBufferBytes)")
        }
        guard ioBufferBytes >= 64 * 1024 else { throw ValidationError("--io-buffer-bytes must be at least 65536") }
    }

    func run() async throws {
        try await reportingFailures {
            let parent = directory ?? FileManager.default.temporaryDirectory.path
            let dataDirectory = parent + "/spool-bench-compaction-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            var logger = Logger(label: "spool.bench") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = .warning
            var configuration = LogManagerConfiguration(dataDirectory: dataDirectory)
            configuration.defaultLogConfig.cleanupPolicy = .compact
            configuration.defaultLogConfig.segmentBytes = segmentBytes
            configuration.cleaner.dedupeBufferBytes = dedupeBufferBytes
            configuration.cleaner.ioBufferBytes = ioBufferBytes
            let manager: LogManager
            do {
                manager = try await LogManager.open(configuration: configuration, logger: logger)
            } catch {
                throw CLIFailure("cannot open a data directory in \(parent): \(error); pass --directory")
            }
            let summary: CompactionSummary
            do {
                summary = try await measure(manager, logger: logger)
            } catch {
                try? await manager.shutdown()
                throw error
            }
            try await manager.shutdown()
            try summary.print(json: json)
        }
    }

    private func measure(_ manager: LogManager, logger: Logger) async throws -> CompactionSummary {
        let log = try await manager.getOrCreateLog(SpoolLog.TopicPartition(topic: "compaction", partition: 0))
        var summary = CompactionSummary(options: self)
        let writeStart = monotonicNanoseconds()
        let written = try await fill(log, manager: manager)
        summary.recordsWritten = written.records
        summary.distinctKeysWritten = written.distinctKeys
        summary.writeSec = Double(monotonicNanoseconds() - writeStart) / 1e9
        summary.segments = log.segmentCount
        summary.logBytesBefore = log.sizeInBytes()
        if dropCache { evictFromPageCache(log.directory) }
        let memoryBefore = ProcessMemory.read()
        let cleaner = LogCleaner(manager: manager, logger: logger)
        let start = monotonicNanoseconds()
        let stats = try await onOwnThread { try cleaner.cleanOnce() }
        let nanoseconds = monotonicNanoseconds() - start
        let memoryAfter = ProcessMemory.read()
        guard let stats else {
            throw CLIFailure("the cleaner found nothing to clean in \(log.segmentCount) segments; this is a bug")
        }
        summary.record(stats, seconds: Double(nanoseconds) / 1e9, before: memoryBefore, after: memoryAfter)
        summary.logBytesAfter = log.sizeInBytes()
        return summary
    }

    /// Writes whole segments until they hold `logBytes`, then one more chunk (rolling the last of them out of the
    /// active segment), and flushes: the cleaner only cleans flushed, inactive segments.
    /// - Returns: the records written and how many distinct keys they carried.
    private func fill(_ log: PartitionLog, manager: LogManager) async throws -> (records: Int, distinctKeys: Int) {
        let values = (0..<64).map { ByteBuffer(bytes: benchValue(size: recordSize, seed: $0)) }
        let recordBytes = estimatedRecordBytes(value: values[0])
        let expectedRecords = max(logBytes / recordBytes, 1)
        let keyCount = max(Int(Double(expectedRecords) * distinctKeys), 1)
        var seen = [Bool](repeating: false, count: keyCount)
        var distinct = 0
        var random = XorShift(seed: 0x5EED)
        var records = 0
        let segmentsWanted = (logBytes + segmentBytes - 1) / segmentBytes + 1
        let timestamp = Int64(Date().timeIntervalSince1970 * 1_000)
        while log.segmentCount < segmentsWanted {
            var chunk: [RecordBatch] = []
            for _ in 0..<64 {
                var builder = RecordBatchBuilder(capacity: batchRecords * (recordBytes + 8))
                for _ in 0..<batchRecords {
                    let key = Int(random.next() % UInt64(keyCount))
                    if !seen[key] {
                        seen[key] = true
                        distinct += 1
                    }
                    var keyBytes = ByteBuffer()
                    keyBytes.writeString("key-\(key)")
                    builder.append(key: keyBytes, value: values[records % values.count], timestamp: timestamp)
                    records += 1
                }
                chunk.append(try RecordBatch(buffer: builder.build()))
            }
            _ = try await manager.append(chunk, to: log, whenFlushed: nil)
        }
        try await manager.flush(log, upTo: log.logEndOffset - 1)
        return (records, distinct)
    }

    /// The bytes one record takes in a batch, measured on a batch of `batchRecords` records.
    private func estimatedRecordBytes(value: ByteBuffer) -> Int {
        var builder = RecordBatchBuilder()
        for index in 0..<batchRecords {
            builder.append(key: ByteBuffer(string: "key-\(index * 7919)"), value: value, timestamp: 0)
        }
        return max(builder.sizeInBytes / batchRecords, 1)
    }
}

/// The result of one `spool bench compaction` run, printed as a few lines or one JSON object (snake_case keys).
struct CompactionSummary: Codable {
    var mode = "compaction"
    var recordsWritten = 0
    var distinctKeysWritten = 0
    var recordSize: Int
    var batchRecords: Int
    var segmentBytes: Int
    var segments = 0
    var writeSec = 0.0
    var logBytesBefore = 0
    var logBytesAfter = 0
    var dedupeBufferBytes: Int
    var pageCacheDropped: Bool
    var cleanSec = 0.0
    var bytesRead = 0
    var sourceBytes = 0
    var bytesWritten = 0
    var bytesReclaimed = 0
    var recordsRemoved = 0
    var recordsKept = 0
    var segmentsCleaned = 0
    var mapUtilization = 0.0
    /// `bytesRead` per second: the dirty section is read twice (to map it, to rewrite it).
    var readMBPerSec = 0.0
    /// `sourceBytes` (the log the round cleaned) per second.
    var logMBPerSec = 0.0
    var rssBeforeKiB = 0
    var rssAfterKiB = 0
    var peakRSSBeforeKiB = 0
    var peakRSSAfterKiB = 0

    enum CodingKeys: String, CodingKey {
        case mode, segments
        case recordsWritten = "records_written", distinctKeysWritten = "distinct_keys_written"
        case recordSize = "record_size", batchRecords = "batch_records", segmentBytes = "segment_bytes"
        case writeSec = "write_sec", logBytesBefore = "log_bytes_before", logBytesAfter = "log_bytes_after"
        case dedupeBufferBytes = "dedupe_buffer_bytes", pageCacheDropped = "page_cache_dropped"
        case cleanSec = "clean_sec", bytesRead = "bytes_read", sourceBytes = "source_bytes"
        case bytesWritten = "bytes_written", bytesReclaimed = "bytes_reclaimed", recordsRemoved = "records_removed"
        case recordsKept = "records_kept", segmentsCleaned = "segments_cleaned", mapUtilization = "map_utilization"
        case readMBPerSec = "read_mb_per_sec", logMBPerSec = "log_mb_per_sec"
        case rssBeforeKiB = "rss_before_kib", rssAfterKiB = "rss_after_kib"
        case peakRSSBeforeKiB = "peak_rss_before_kib", peakRSSAfterKiB = "peak_rss_after_kib"
    }

    init(options: BenchCompaction) {
        recordSize = options.recordSize
        batchRecords = options.batchRecords
        segmentBytes = options.segmentBytes
        dedupeBufferBytes = options.dedupeBufferBytes
        pageCacheDropped = options.dropCache
    }

    mutating func record(_ stats: CleaningStats, seconds: Double, before: ProcessMemory, after: ProcessMemory) {
        cleanSec = max(seconds, 1e-9)
        bytesRead = stats.bytesRead
        sourceBytes = stats.sourceBytes
        bytesWritten = stats.bytesWritten
        bytesReclaimed = stats.bytesReclaimed
        recordsRemoved = stats.recordsRemoved
        recordsKept = stats.recordsKept
        segmentsCleaned = stats.segmentsCleaned
        mapUtilization = stats.mapUtilization
        readMBPerSec = Double(stats.bytesRead) / cleanSec / 1e6
        logMBPerSec = Double(stats.sourceBytes) / cleanSec / 1e6
        rssBeforeKiB = before.residentKiB
        rssAfterKiB = after.residentKiB
        peakRSSBeforeKiB = before.peakResidentKiB
        peakRSSAfterKiB = after.peakResidentKiB
    }

    func print(json: Bool) throws {
        if json { return try printJSON(self, compact: true) }
        let mb = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1e6) }
        Swift.print("log: \(recordsWritten) records (\(distinctKeysWritten) distinct keys) of \(recordSize) B, "
            + "\(batchRecords) per batch, in \(segments) segments of \(mb(segmentBytes)): \(mb(logBytesBefore)), "
            + String(format: "written in %.1f s", writeSec))
        Swift.print(String(format: "clean: %.2f s, read %@ (%.1f MB/s), log cleaned %@ (%.1f MB/s)",
                           cleanSec, mb(bytesRead), readMBPerSec, mb(sourceBytes), logMBPerSec)
            + (pageCacheDropped ? " (page cache dropped first)" : ""))
        Swift.print("result: wrote \(mb(bytesWritten)), reclaimed \(mb(bytesReclaimed)), removed \(recordsRemoved) "
            + "records, kept \(recordsKept), \(segmentsCleaned) segments rewritten; log now \(mb(logBytesAfter))")
        Swift.print(String(format: "memory: offset map %@ (%.0f %% used); RSS %.0f → %.0f MiB, peak %.0f → %.0f MiB",
                           mb(dedupeBufferBytes), mapUtilization * 100, Double(rssBeforeKiB) / 1024,
                           Double(rssAfterKiB) / 1024, Double(peakRSSBeforeKiB) / 1024,
                           Double(peakRSSAfterKiB) / 1024))
    }
}

/// The process's resident memory from /proc/self/status (zeros where it cannot be read).
struct ProcessMemory {
    var residentKiB = 0
    var peakResidentKiB = 0

    static func read() -> ProcessMemory {
        var memory = ProcessMemory()
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return memory }
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
            if fields[0] == "VmRSS:" { memory.residentKiB = kib }
            if fields[0] == "VmHWM:" { memory.peakResidentKiB = kib }
        }
        return memory
    }
}

/// A small, fast generator for the keys: the sequence is the same on every run.
private struct XorShift {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

/// Runs blocking work (the cleaner's file I/O) on a thread of its own, off Swift's cooperative pool.
private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Asks the kernel to drop the page cache of every file in `directory` (written and flushed, so clean pages).
private func evictFromPageCache(_ directory: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for name in names {
        let descriptor = open(directory + "/" + name, O_RDONLY)
        guard descriptor >= 0 else { continue }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        close(descriptor)
    }
}
