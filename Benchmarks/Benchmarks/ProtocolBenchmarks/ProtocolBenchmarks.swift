// Wire-protocol and record benchmarks (issue 3). package-benchmark reports iterations per second; each
// benchmark's name says what one iteration is, so GB/s and records/s follow from it (docs/performance.md
// does the arithmetic).
import Benchmark
import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords

/// A batch of `count` records of `valueBytes` bytes each, as a producer builds it.
func makeRecords(count: Int, valueBytes: Int, compression: CompressionCodec = .none) -> ByteBuffer {
    var builder = RecordBatchBuilder(capacity: count * (valueBytes + 16))
    let value = ByteBuffer(repeating: 0x61, count: valueBytes)
    for index in 0..<count {
        builder.append(key: nil, value: value, timestamp: 1_700_000_000_000 + Int64(index))
    }
    guard let batch = try? builder.build(compression: compression) else { fatalError("cannot build the batch") }
    return batch
}

/// A Produce v9 request carrying one batch of 1,000 records of 100 bytes.
func makeProduceRequest() -> ProduceRequest {
    let partition = ProduceRequest.PartitionProduceData(index: 0, records: makeRecords(count: 1_000, valueBytes: 100))
    return ProduceRequest(acks: -1, timeoutMs: 30_000, topicData: [.init(name: "bench", partitionData: [partition])])
}

/// A Fetch v12 response: 4 partitions, each returning a batch of 1,000 records of 100 bytes.
func makeFetchResponse() -> FetchResponse {
    let records = makeRecords(count: 1_000, valueBytes: 100)
    let partitions = (0..<4).map { index in
        FetchResponse.PartitionData(
            partitionIndex: Int32(index), highWatermark: 1_000, lastStableOffset: 1_000, logStartOffset: 0,
            abortedTransactions: [], records: records)
    }
    return FetchResponse(responses: [.init(topic: "bench", partitions: partitions)])
}

func encoded(_ message: some KafkaMessage, version: Int16) -> ByteBuffer {
    guard let bytes = try? message.encoded(version: version) else { fatalError("cannot encode \(message)") }
    return bytes
}

/// The golden request frames captured from real clients, read from the test fixtures.
func goldenFrames() -> [ByteBuffer] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let golden = root.appendingPathComponent("Tests/SpoolProtocolTests/Fixtures/golden")
    let manager = FileManager.default
    var frames: [ByteBuffer] = []
    for client in (try? manager.contentsOfDirectory(atPath: golden.path)) ?? [] {
        let folder = golden.appendingPathComponent(client)
        for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".bin") {
            if let data = manager.contents(atPath: folder.appendingPathComponent(name).path) {
                frames.append(ByteBuffer(bytes: data))
            }
        }
    }
    return frames
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock], timeUnits: .microseconds, warmupIterations: 3,
        maxDuration: .seconds(3), maxIterations: 1_000_000,
        // CPU-bound work: `make bench-check` fails when the median is 15 % worse than the stored baseline.
        thresholds: [.wallClock: .init(relative: [.p50: 15]), .throughput: .init(relative: [.p50: 15])])

    for (label, size) in [("1 KiB", 1024), ("64 KiB", 64 * 1024), ("1 MiB", 1 << 20)] {
        Benchmark("CRC32C \(label) (1 iteration = 1 checksum)") { benchmark, input in
            for _ in benchmark.scaledIterations {
                blackHole(input.withUnsafeReadableBytes { CRC32C.checksum($0) })
            }
        } setup: {
            ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        }
    }

    Benchmark("Produce v9 decode, 1,000 records (1 iteration = 1 request)") { benchmark, bytes in
        for _ in benchmark.scaledIterations {
            blackHole(try? ProduceRequest(decoding: bytes, version: 9))
        }
    } setup: {
        encoded(makeProduceRequest(), version: 9)
    }

    Benchmark("Produce v9 encode, 1,000 records (1 iteration = 1 request)") { benchmark, request in
        var buffer = ByteBuffer()
        for _ in benchmark.scaledIterations {
            buffer.clear()
            blackHole(try? request.encode(into: &buffer, version: 9))
        }
    } setup: {
        makeProduceRequest()
    }

    Benchmark("Fetch v12 response decode, 4 x 1,000 records (1 iteration = 1 response)") { benchmark, bytes in
        for _ in benchmark.scaledIterations {
            blackHole(try? FetchResponse(decoding: bytes, version: 12))
        }
    } setup: {
        encoded(makeFetchResponse(), version: 12)
    }

    Benchmark("Fetch v12 response encode, 4 x 1,000 records (1 iteration = 1 response)") { benchmark, response in
        var buffer = ByteBuffer()
        for _ in benchmark.scaledIterations {
            buffer.clear()
            blackHole(try? response.encode(into: &buffer, version: 12))
        }
    } setup: {
        makeFetchResponse()
    }

    for codec in [CompressionCodec.none, .zstd, .lz4] {
        Benchmark("batch build, 1,000 records of 100 B, \(codec) (1 iteration = 1 batch with CRC)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(makeRecords(count: 1_000, valueBytes: 100, compression: codec))
            }
        }
    }

    Benchmark("record iteration, 1,000 records of 100 B (1 iteration = 1,000 records)") { benchmark, batch in
        for _ in benchmark.scaledIterations {
            guard var reader = try? batch.recordReader() else { fatalError("bad batch") }
            while let record = try? reader.next() { blackHole(record) }
        }
    } setup: {
        try RecordBatch(buffer: makeRecords(count: 1_000, valueBytes: 100))
    }

    Benchmark("record iteration, 1,000 records of 100 B, zstd (1 iteration = 1,000 records)") { benchmark, batch in
        for _ in benchmark.scaledIterations {
            guard var reader = try? batch.decompressedRecordReader() else { fatalError("bad batch") }
            while let record = try? reader.next() { blackHole(record) }
        }
    } setup: {
        try RecordBatch(buffer: makeRecords(count: 1_000, valueBytes: 100, compression: .zstd))
    }

    validationBenchmarks()

    Benchmark(
        "mutation fuzzer, golden frames (1 iteration = 1,000,000 inputs, zero crashes)",
        configuration: .init(warmupIterations: 0, maxDuration: .seconds(120), maxIterations: 1)
    ) { benchmark, seeds in
        var fuzzer = ProtocolFuzzer(seeds: seeds, seed: 0x5EED)
        let summary = fuzzer.run(count: 1_000_000)
        precondition(summary.inputs == 1_000_000)
        print("fuzz: \(summary)")
    } setup: {
        let frames = goldenFrames()
        precondition(!frames.isEmpty, "no golden frames found under Tests/SpoolProtocolTests/Fixtures/golden")
        return frames
    }
}
