#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import SpoolLog

@Suite struct ReadDamageTests {
    @Test("a read of offsets an older segment lost is a storage error, never the next segment's first batch")
    func gapIsAnError() throws {
        let directory = TemporaryDirectory()
        // Segments [0, 8, 16], four batches of two records in each full one.
        let log = try makeLog(directory, segmentBytes: 4096, batchesOf1KiB: 10)
        try log.close()
        let oldest = try #require(log.segments.first)
        #expect(truncate(oldest.logPath, 2048) == 0)

        // A clean start does not re-read older segments, so the lost offsets 4-7 are only found by the read.
        let (reopened, _) = try reopenLog(directory, config: log.logConfig, clean: true)
        #expect(try reopened.read(from: 2, maxBytes: 1 << 20).slice?.firstOffset == 2)
        #expect(throws: LogError.self) { try reopened.read(from: 5, maxBytes: 1 << 20) }
        do {
            _ = try reopened.read(from: 5, maxBytes: 1 << 20)
        } catch {
            #expect(error.isStorageError && error.isDamagedSegment, "\(error)")
        }
        #expect(try reopened.read(from: 8, maxBytes: 1 << 20).slice?.firstOffset == 8)
    }
}
