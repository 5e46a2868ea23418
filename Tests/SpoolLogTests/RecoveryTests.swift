import NIOCore
import SpoolRecords
import SpoolTestSupport
import Testing

@testable import SpoolLog

@Suite struct RecoveryTests {
    /// Writes a log of random batches over a few segments without closing it (as a crash leaves it) and
    /// returns the files' bytes plus where each batch of the last segment starts and ends.
    static func crashedLog(seed: UInt64) throws -> (files: [String: ByteBuffer], lastSegmentBatches: [BatchInfo],
                                                     lastSegment: String, lastBase: Int64)
    {
        let directory = TemporaryDirectory()
        var config = LogConfig()
        config.segmentBytes = 16 * 1024
        config.indexIntervalBytes = 512
        let log = try makeLog(directory, config: config)
        var random = SplitMix64(seed: seed)
        for index in 0..<40 {
            let batch = TestBatch.make(
                records: Int32.random(in: 1...8, using: &random), bodyBytes: Int.random(in: 20...2000, using: &random),
                timestamp: 1_700_000_000_000 + Int64(index), fill: UInt8.random(in: 0...255, using: &random))
            _ = try log.append(batch)
        }
        let last = try #require(log.segments.last)
        var scanner = BatchScanner(file: try last.open(), from: 0, to: try last.size(), verify: true)
        var infos: [BatchInfo] = []
        while case .batch(let info) = try scanner.next() { infos.append(info) }
        var files: [String: ByteBuffer] = [:]
        for name in try FileSystem.list(log.directory) {
            let path = log.directory + "/" + name
            files[name] = try LogFile(path: path, create: false).read(count: FileSystem.fileSize(path) ?? 0, at: 0)
        }
        return (files, infos, LogFileName.prefix(last.baseOffset) + ".log", last.baseOffset)
    }

    static func restore(_ files: [String: ByteBuffer], into directory: TemporaryDirectory) throws {
        try FileSystem.makeDirectory(directory.path + "/topic-0")
        for (name, bytes) in files {
            try LogFile(path: directory.path + "/topic-0/" + name, create: true).write(bytes, at: 0)
        }
    }

    @Test("after a cut or a flipped byte in the last segment, reopening keeps exactly the valid prefix")
    func crashConsistency() throws {
        let crashed = try Self.crashedLog(seed: 42)
        let batches = crashed.lastSegmentBatches
        #expect(crashed.lastBase > 0 && batches.count >= 4)
        let size = batches.last?.end ?? 0
        var random = SplitMix64(seed: 7)
        for trial in 0..<300 {
            let directory = TemporaryDirectory()
            var files = crashed.files
            let position = Int.random(in: 0..<size, using: &random)
            let cut = trial % 2 == 0
            if cut {
                files[crashed.lastSegment] = files[crashed.lastSegment]?.getSlice(at: 0, length: position)
            } else {
                let original = files[crashed.lastSegment]?.getInteger(at: position, as: UInt8.self) ?? 0
                files[crashed.lastSegment]?.setInteger(original ^ UInt8.random(in: 1...255, using: &random), at: position)
            }
            try Self.restore(files, into: directory)
            // Whole batches before the damage survive: for a cut, those ending at or before it; for a flipped
            // byte, those ending before the batch that holds it.
            let kept = batches.filter { $0.end <= position }
            let expectedEnd = kept.last?.nextOffset ?? crashed.lastBase
            let recoveryPoint: Int64? = trial % 3 == 0 ? nil : crashed.lastBase
            let (log, report) = try reopenLog(directory, clean: false, recoveryPoint: recoveryPoint)
            #expect(log.logEndOffset == expectedEnd, "trial \(trial) cut=\(cut) position=\(position)")
            #expect(report.bytesTruncated == (cut ? position : size) - (kept.last?.end ?? 0), "trial \(trial)")
            // Everything that survived reads back byte for byte.
            if let lastKept = kept.last {
                let slice = try #require(try log.read(from: crashed.lastBase, maxBytes: 1 << 20).slice)
                #expect(slice.length == lastKept.end)
                let original = try #require(crashed.files[crashed.lastSegment]?.getSlice(at: 0, length: lastKept.end))
                #expect(try bytes(of: slice) == original, "trial \(trial)")
            }
            // The next append continues at the right offset.
            #expect(try log.append(TestBatch.make(records: 3)).baseOffset == expectedEnd, "trial \(trial)")
            #expect(try log.read(from: expectedEnd, maxBytes: 10).slice?.firstOffset == expectedEnd)
        }
    }

    @Test("missing, short or garbled indexes are rebuilt after a clean shutdown")
    func indexesRebuilt() throws {
        var config = LogConfig()
        config.indexIntervalBytes = 256
        for damage in ["missing", "short", "garbled"] {
            let directory = TemporaryDirectory()
            let log = try makeLog(directory, config: config)
            for index in 0..<50 {
                let timestamp = 1000 + Int64(index)
                _ = try log.append(TestBatch.records(timestamps: [timestamp, timestamp], totalBytes: 300))
            }
            try log.close()
            let indexPath = directory.path + "/topic-0/" + LogFileName.prefix(0) + ".index"
            let timePath = directory.path + "/topic-0/" + LogFileName.prefix(0) + ".timeindex"
            switch damage {
            case "missing":
                try FileSystem.remove(indexPath)
                try FileSystem.remove(timePath)
            case "short":
                try LogFile(path: indexPath, create: false).truncate(to: 13)
            default:
                try LogFile(path: indexPath, create: false).write(ByteBuffer(bytes: [0xFF, 0, 0, 0, 0, 0, 0, 1]), at: 16)
            }
            let (reopened, _) = try reopenLog(directory, config: config, clean: true)
            #expect(reopened.logEndOffset == 100, "\(damage)")
            for offset in Int64(0)..<100 {
                #expect(try reopened.read(from: offset, maxBytes: 1).slice?.firstOffset == offset / 2 * 2, "\(damage)")
            }
            #expect(try reopened.offset(forTimestamp: 1030)?.offset == 60, "\(damage)")
            #expect(reopened.segments[0].offsetIndex.entries.count == 49, "\(damage)")
        }
    }
}
