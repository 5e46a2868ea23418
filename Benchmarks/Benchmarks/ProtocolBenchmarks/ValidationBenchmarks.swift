// What Kafka's producer rules (issue 11) cost on the produce path. "before" is what the path ran until then:
// `RecordBatch.validate` (CRC32C and the record count), once, in the log. "after" is what a one-batch partition
// (what clients send) now runs: `ProducedBatchValidator` without the CRC (the codec, the control bit and a walk
// over every record's bytes, decompressing first for zstd), then the log's own `validate` with the CRC.
// Divide by the records per batch for the cost per record (docs/performance.md).
import Benchmark
import NIOCore
import SpoolRecords

/// A batch of `count` records of `valueBytes` bytes of text-like data (zstd shrinks it about 3 times, unlike
/// a run of one byte), with a 16-byte key, as a producer builds it.
func makeTextRecords(count: Int, valueBytes: Int, compression: CompressionCodec) -> ByteBuffer {
    let words = ["spool", "kafka", "record", "batch", "offset", "broker", "topic", "fetch", "produce", "log"]
    var state: UInt64 = 0x5EED
    var builder = RecordBatchBuilder(capacity: count * (valueBytes + 32))
    for index in 0..<count {
        var value = ""
        while value.utf8.count < valueBytes {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            value += words[Int(state >> 60) % words.count] + " \(state >> 48) "
        }
        let key = ByteBuffer(string: String(format: "key-%012d", index))
        builder.append(key: key, value: ByteBuffer(string: String(value.prefix(valueBytes))),
                       timestamp: 1_700_000_000_000 + Int64(index))
    }
    guard let batch = try? builder.build(compression: compression) else { fatalError("cannot build the batch") }
    return batch
}

func validationBenchmarks() {
    let cases: [(label: String, count: Int, valueBytes: Int)] = [
        ("1,000 x 100 B", 1_000, 100), ("500 x 1 KiB", 500, 1024),
    ]
    // Allocations are counted too: the walk over an uncompressed batch must make none.
    let counted = Benchmark.Configuration(metrics: Benchmark.defaultConfiguration.metrics + [.mallocCountTotal])
    for (label, count, valueBytes) in cases {
        for codec in [CompressionCodec.none, .zstd] {
            Benchmark(
                "produce checks before, \(label), \(codec) (1 iteration = 1 batch)", configuration: counted
            ) { benchmark, batch in
                for _ in benchmark.scaledIterations {
                    blackHole(try? batch.validate(maxBytes: 1 << 24))
                }
            } setup: {
                try RecordBatch(buffer: makeTextRecords(count: count, valueBytes: valueBytes, compression: codec))
            }

            Benchmark(
                "produce checks after, \(label), \(codec) (1 iteration = 1 batch)", configuration: counted
            ) { benchmark, batch in
                for _ in benchmark.scaledIterations {
                    do {
                        try ProducedBatchValidator.validate(
                            batch, maxBytes: 1 << 24, maxDecompressedBytes: 1 << 25, checksum: false)
                        try batch.validate(maxBytes: 1 << 24)
                    } catch {
                        fatalError("a good batch was refused: \(error)")
                    }
                }
            } setup: {
                try RecordBatch(buffer: makeTextRecords(count: count, valueBytes: valueBytes, compression: codec))
            }
        }
    }
}
