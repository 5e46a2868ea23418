// Storage-engine benchmarks (issue: the durable partition log). Throughput is reported by package-benchmark
// as iterations per second; each benchmark's name says what one iteration is, so bytes/s follow from it
// (docs/performance.md does the arithmetic).
import Benchmark
import Foundation
import Logging
import NIOCore
import SpoolLog
import SpoolRecords

let logger = Logger(label: "bench")

/// A valid v2 batch of `bodyBytes` opaque record bytes (the log never parses records).
func makeBatch(bodyBytes: Int, records: Int32 = 1) -> RecordBatch {
    var buffer = ByteBufferAllocator().buffer(capacity: RecordBatch.headerSize + bodyBytes)
    buffer.writeInteger(Int64(0))
    buffer.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + bodyBytes))
    buffer.writeInteger(Int32(-1))
    buffer.writeInteger(Int8(2))
    buffer.writeInteger(UInt32(0))
    buffer.writeInteger(Int16(0))
    buffer.writeInteger(records - 1)
    buffer.writeInteger(Int64(1_700_000_000_000))
    buffer.writeInteger(Int64(1_700_000_000_000))
    buffer.writeInteger(Int64(-1))
    buffer.writeInteger(Int16(-1))
    buffer.writeInteger(Int32(-1))
    buffer.writeInteger(records)
    buffer.writeRepeatingByte(0x61, count: bodyBytes)
    buffer.setInteger(buffer.crc32c(at: 21, length: buffer.readableBytes - 21) ?? 0, at: 17)
    guard let batch = try? RecordBatch(buffer: buffer) else { fatalError("benchmark batch is invalid") }
    return batch
}

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "spool-bench-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Appends to one partition log; retention keeps the disk footprint bounded between iterations.
final class AppendFixture: @unchecked Sendable {
    let directory = temporaryDirectory()
    let log: PartitionLog
    let batch: RecordBatch

    init(bodyBytes: Int) throws {
        var config = LogConfig()
        config.segmentBytes = 256 << 20
        config.retentionBytes = 512 << 20
        config.retentionMs = -1
        log = try PartitionLog.create(
            topicPartition: TopicPartition(topic: "bench", partition: 0), directory: directory + "/bench-0",
            config: config, logger: logger)
        batch = makeBatch(bodyBytes: bodyBytes)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

let sizes: [(String, Int)] = [("1 KiB", 1024), ("16 KiB", 16 * 1024), ("1 MiB", 1 << 20)]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock], timeUnits: .microseconds, warmupIterations: 1,
        maxDuration: .seconds(3), maxIterations: 1_000_000,
        // Page-cache and fsync-bound work swings with the VM's disk: a regression is a median 50 % worse.
        thresholds: [.wallClock: .init(relative: [.p50: 50]), .throughput: .init(relative: [.p50: 50])])

    // Append without flush: what the log adds over the page cache. One iteration appends 64 MiB, so the
    // percentiles are of throughput over 64 MiB runs (GB/s = iterations/s / 16).
    for (label, size) in sizes {
        Benchmark(
            "append \(label) batches, no flush (1 iteration = 64 MiB)",
            configuration: .init(maxDuration: .seconds(5), maxIterations: 64)
        ) { benchmark, fixture in
            for _ in 0..<((64 << 20) / size) {
                blackHole(try? fixture.log.append(fixture.batch))
            }
            // Keep the disk footprint bounded; runs only once a few segments have piled up.
            benchmark.stopMeasurement()
            if fixture.log.segmentCount > 3 { _ = try? fixture.log.deleteExpiredSegments() }
        } setup: {
            try AppendFixture(bodyBytes: size - RecordBatch.headerSize)
        }
    }

    // Group commit: N appenders, each appending and waiting for an fsync that covers its batch, 1024 appends per
    // iteration in all. With one appender this is one fsync per append. `appendDurably` is the broker's acks=all
    // path: `LogManager.append(_:to:whenFlushed:)`, one pool trip that appends and registers for the fsync.
    for (label, size) in [("1 KiB", 1024), ("1 MiB", 1 << 20)] {
        for appenders in [1, 8, 64] {
            Benchmark(
                "group commit \(label), \(appenders) appenders (1 iteration = 1024 acked appends)",
                configuration: .init(
                    maxDuration: .seconds(5), maxIterations: size > 4096 ? 4 : 200,
                    // Bound by the VM's fdatasync time and disk bandwidth, which swing 2-5x between runs (fio
                    // saw 0.26 and 1.3 GB/s on one day): only a 3x slower median counts, which losing group
                    // commit (one fsync per append: 16x at 64 appenders) would still show.
                    thresholds: [.wallClock: .init(relative: [.p50: 200]), .throughput: .init(relative: [.p50: 200])])
            ) { benchmark, fixture in
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<appenders {
                        group.addTask {
                            for _ in 0..<(1024 / appenders) {
                                guard (try? await fixture.manager.appendDurably(fixture.batch, to: fixture.log)) != nil
                                else { fatalError("append failed") }
                            }
                        }
                    }
                }
                benchmark.stopMeasurement()
                if fixture.log.segmentCount > 4 { _ = try? await fixture.manager.deleteExpiredSegments() }
            } setup: {
                try await GroupCommitFixture(bodyBytes: size - RecordBatch.headerSize)
            } teardown: {}
        }
    }

    // Index lookup: the batch holding a random offset in a 64 MiB segment of 1 KiB batches.
    Benchmark("index lookup + batch locate, 64 MiB segment (1 iteration = 1 read)") { benchmark, fixture in
        var random = SystemRandomNumberGenerator()
        for _ in benchmark.scaledIterations {
            let offset = Int64.random(in: 0..<fixture.logEndOffset, using: &random)
            blackHole(try? fixture.log.read(from: offset, maxBytes: 1))
        }
    } setup: {
        try ReadFixture(totalBytes: 64 << 20, bodyBytes: 1024 - RecordBatch.headerSize)
    }

    // Read throughput: the whole 256 MiB log in 1 MiB fetches, each slice sent with sendfile to /dev/null.
    Benchmark(
        "read 256 MiB via slices + sendfile (1 iteration = 256 MiB)",
        configuration: .init(maxDuration: .seconds(5), maxIterations: 50)
    ) { benchmark, fixture in
        var offset: Int64 = 0
        while offset < fixture.logEndOffset, let slice = try? fixture.log.read(from: offset, maxBytes: 1 << 20).slice {
            var position = off_t(slice.position)
            var left = slice.length
            while left > 0 {
                let sent = sendfile(fixture.devNull, slice.file.descriptor, &position, left)
                if sent <= 0 { break }
                left -= sent
            }
            offset = fixture.nextOffset(after: slice)
        }
    } setup: {
        try ReadFixture(totalBytes: 256 << 20, bodyBytes: 16 * 1024 - RecordBatch.headerSize)
    }

    // Start-up after a clean shutdown with 10,000 segments across 100 partitions (open only is measured).
    Benchmark(
        "start-up, 10,000 segments in 100 partitions (1 iteration = 1 open)",
        configuration: .init(maxDuration: .seconds(10), maxIterations: 20)
    ) { benchmark, directory in
        for _ in benchmark.scaledIterations {
            benchmark.startMeasurement()
            guard let manager = try? await LogManager.open(
                configuration: LogManagerConfiguration(dataDirectory: directory), logger: logger)
            else { fatalError("open failed") }
            benchmark.stopMeasurement()
            try? await manager.shutdown()
        }
    } setup: {
        try await makeManySegments()
    }
}
