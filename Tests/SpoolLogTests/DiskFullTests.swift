#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import SpoolRecords
import Testing

@testable import SpoolLog

@Suite struct DiskFullTests {
    @Test("a full disk fails the append with ENOSPC, damages nothing acknowledged, and appends resume once space is back")
    func diskFull() throws {
        let directory = TemporaryDirectory()
        // A real full disk: a 256 KiB tmpfs (tests and CI run as root, as the project's machines do).
        let status = directory.path.withCString { target in mount("tmpfs", target, "tmpfs", 0, "size=256k") }
        try #require(status == 0, "mounting a tmpfs for the disk-full test failed: errno \(errno); run tests as root")
        defer { _ = directory.path.withCString { umount($0) } }
        // Something to delete later to make room (its descriptor closes at the end of the statement).
        try LogFile(path: directory.path + "/filler", create: true).write(ByteBuffer(repeating: 0x55, count: 64 * 1024), at: 0)

        var config = LogConfig()
        config.segmentBytes = 1 << 20
        let log = try makeLog(directory, config: config)
        var acknowledged: [AppendInfo] = []
        var failure: LogError?
        for _ in 0..<1000 {
            do {
                acknowledged.append(try log.append(TestBatch.make(records: 4, bodyBytes: 1500)))
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the tmpfs never filled up")
        #expect(error.isStorageError)
        #expect(error.errno == ENOSPC)
        #expect("\(error)".contains("free disk space"))
        let endBeforeFailure = (acknowledged.last?.lastOffset ?? -1) + 1
        #expect(log.logEndOffset == endBeforeFailure)
        // The failed write was cut back: the file holds exactly the acknowledged batches.
        #expect(try log.segments[0].size() == acknowledged.count * 1561)

        try FileSystem.remove(directory.path + "/filler")
        let resumed = try log.append(TestBatch.make(records: 4, bodyBytes: 1500))
        #expect(resumed.baseOffset == endBeforeFailure)
        try log.flush()

        // After a crash (no clean shutdown) everything acknowledged is still there, in order.
        let (reopened, report) = try reopenLog(directory, config: config, clean: false)
        #expect(report.bytesTruncated == 0)
        #expect(reopened.logEndOffset == resumed.logEndOffset)
        let slice = try #require(try reopened.read(from: 0, maxBytes: 1 << 20).slice)
        #expect(try batches(in: bytes(of: slice)).map(\.baseOffset) == (acknowledged + [resumed]).map(\.baseOffset))
    }
}
