#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

/// Builds v2 record batches for the log's tests. The log never parses records, so the body is opaque
/// bytes; header, length and CRC32C are real.
enum TestBatch {
    static func make(records: Int32 = 1, bodyBytes: Int = 100, timestamp: Int64 = 1_700_000_000_000,
                     maxTimestamp: Int64? = nil, fill: UInt8 = 0x61, producerId: Int64 = -1,
                     producerEpoch: Int16 = -1, baseSequence: Int32 = -1) -> RecordBatch
    {
        var buffer = ByteBufferAllocator().buffer(capacity: RecordBatch.headerSize + bodyBytes)
        buffer.writeInteger(Int64(0))  // baseOffset
        buffer.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + bodyBytes))
        buffer.writeInteger(Int32(-1))  // partitionLeaderEpoch
        buffer.writeInteger(Int8(2))  // magic
        buffer.writeInteger(UInt32(0))  // crc, set below
        buffer.writeInteger(Int16(0))  // attributes
        buffer.writeInteger(records - 1)  // lastOffsetDelta
        buffer.writeInteger(timestamp)
        buffer.writeInteger(maxTimestamp ?? timestamp)
        buffer.writeInteger(producerId)
        buffer.writeInteger(producerEpoch)
        buffer.writeInteger(baseSequence)
        buffer.writeInteger(records)
        buffer.writeRepeatingByte(fill, count: bodyBytes)
        let crc = buffer.crc32c(at: RecordBatch.crcStart, length: buffer.readableBytes - RecordBatch.crcStart) ?? 0
        buffer.setInteger(crc, at: 17)
        return try! RecordBatch(buffer: buffer)
    }

    /// A batch of real records with these timestamps (timestamp lookups read records), uncompressed and padded
    /// with value bytes to exactly `totalBytes` when that is given, or compressed with `codec`.
    static func records(timestamps: [Int64], totalBytes: Int? = nil, codec: CompressionCodec = .none) -> RecordBatch {
        func build(padding: Int) -> RecordBatch {
            var builder = RecordBatchBuilder()
            for (index, timestamp) in timestamps.enumerated() {
                let value = ByteBuffer(repeating: 0x61, count: index == 0 ? 1 + padding : 1)
                builder.append(key: nil, value: value, timestamp: timestamp)
            }
            return try! RecordBatch(buffer: try! builder.build(compression: codec))
        }
        var batch = build(padding: 0)
        guard let totalBytes else { return batch }
        precondition(codec == .none, "padding to a size needs uncompressed records")
        var padding = 0
        // A longer value can lengthen its varints by a byte, so the size is approached in a few steps.
        for _ in 0..<4 where batch.sizeInBytes != totalBytes {
            padding += totalBytes - batch.sizeInBytes
            batch = build(padding: padding)
        }
        precondition(batch.sizeInBytes == totalBytes, "cannot pad the batch to \(totalBytes) bytes")
        return batch
    }
}

/// A fresh directory under /tmp, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/spool-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: template)
    }

    deinit { _ = try? FileSystem.removeTree(path) }
}

extension FileSystem {
    /// Removes a directory tree (test clean-up only).
    static func removeTree(_ path: String) throws {
        if isDirectory(path) {
            for name in try list(path) { try removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

let testLogger = Logger(label: "spool.test")

func makeLog(_ directory: TemporaryDirectory, config: LogConfig = LogConfig(), name: String = "topic-0")
    throws -> PartitionLog
{
    try PartitionLog.create(
        topicPartition: TopicPartition(directoryName: name)!, directory: directory.path + "/" + name, config: config,
        logger: testLogger)
}

/// A log of `count` 1 KiB batches of two records each, in segments of `segmentBytes`.
func makeLog(_ directory: TemporaryDirectory, segmentBytes: Int, batchesOf1KiB count: Int) throws -> PartitionLog {
    var config = LogConfig()
    config.segmentBytes = segmentBytes
    let log = try makeLog(directory, config: config)
    for _ in 0..<count { _ = try log.append(TestBatch.make(records: 2, bodyBytes: 963)) }
    return log
}

func reopenLog(_ directory: TemporaryDirectory, config: LogConfig = LogConfig(), name: String = "topic-0",
               clean: Bool, recoveryPoint: Int64? = nil) throws -> (PartitionLog, RecoveryReport)
{
    try PartitionLog.load(
        topicPartition: TopicPartition(directoryName: name)!, directory: directory.path + "/" + name, config: config,
        cleanShutdown: clean, recoveryPoint: recoveryPoint, logger: testLogger)
}

/// The bytes a slice points at, read back from its file.
func bytes(of slice: FileSlice) throws -> ByteBuffer {
    try slice.file.read(count: slice.length, at: slice.position)
}

/// Every batch in a run of bytes, as (baseOffset, recordsCount) pairs, checking each CRC on the way.
func batches(in buffer: ByteBuffer) throws -> [RecordBatch] {
    let split = try RecordBatch.split(buffer)
    for batch in split { try batch.validate() }
    return split
}

/// Disk blocks a file holds, in bytes (st_blocks counts 512-byte units).
func allocatedBytes(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_blocks) * 512 : -1
}
