import Dispatch
import NIOCore
import SpoolRecords
import Synchronization
import Testing

@testable import SpoolLog

/// A value handed between threads; the semaphores of each test order every access.
private final class Handoff<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A flag one thread raises and another polls.
private final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)
    var isRaised: Bool { raised.load(ordering: .acquiring) }
    func raise() { raised.store(true, ordering: .releasing) }
}

/// A log whose next append rolls, with that append started on another thread and paused inside the roll's I/O
/// (on a real file system) until `resume()`.
private struct PausedRoll {
    let log: PartitionLog
    private let entered = DispatchSemaphore(value: 0)
    private let release = DispatchSemaphore(value: 0)
    private let appended = DispatchSemaphore(value: 0)
    private let append = Handoff<AppendInfo?>(nil)

    /// Four 1 KiB batches fill a 4 KiB segment: the fifth append, at offset 8, rolls.
    init(_ directory: TemporaryDirectory) throws {
        log = try makeLog(directory, segmentBytes: 4096, batchesOf1KiB: 4)
        let (entered, release, appended, append, log) = (entered, release, appended, append, log)
        log.lock.withLock { log.rollIOHook = { entered.signal(); release.wait() } }
        DispatchQueue.global().async {
            append.value = try? log.append(TestBatch.make(records: 2, bodyBytes: 963))
            appended.signal()
        }
        #expect(entered.wait(timeout: .now() + 30) == .success)
    }

    /// Lets the roll go on and returns what its append did.
    func resume() -> AppendInfo? {
        release.signal()
        #expect(appended.wait(timeout: .now() + 30) == .success)
        return append.value
    }
}

@Suite struct OffsetsTests {
    @Test("offsets, reads and flushes answer while a segment roll's I/O is paused; the roll then completes")
    func offsetsDoNotWaitForARoll() throws {
        let directory = TemporaryDirectory()
        let roll = try PausedRoll(directory)
        let log = roll.log
        // Read on another thread against a deadline, so that a reader blocked by the roll fails the test rather
        // than hanging it.
        let answered = DispatchSemaphore(value: 0)
        let seen = Handoff<(offsets: LogOffsets, took: Duration, firstOffset: Int64?, flushed: Int64?)?>(nil)
        DispatchQueue.global().async {
            let start = ContinuousClock.now
            let offsets = log.offsets
            let took = ContinuousClock.now - start
            let firstOffset = try? log.read(from: 4, maxBytes: 1).slice?.firstOffset
            seen.value = (offsets, took, firstOffset, try? log.flush())
            answered.signal()
        }
        let answeredDuringRoll = answered.wait(timeout: .now() + 10) == .success
        let append = roll.resume()
        #expect(answeredDuringRoll)

        let during = try #require(seen.value)
        #expect(during.offsets == LogOffsets(logStartOffset: 0, recoveryPoint: 0, flushedOffset: 0, logEndOffset: 8))
        #expect(during.took < .milliseconds(100), "reading the offsets took \(during.took)")
        #expect(during.firstOffset == 4 && during.flushed == 8)
        #expect(append?.baseOffset == 8 && log.logEndOffset == 10)
        #expect(log.segments.map(\.baseOffset) == [0, 8])
    }

    @Test("a second append waits for a roll in progress, so appends stay in order")
    func appendsStaySerialised() throws {
        let directory = TemporaryDirectory()
        let roll = try PausedRoll(directory)
        let log = roll.log
        let done = DispatchSemaphore(value: 0)
        let second = Handoff<Int64?>(nil)
        DispatchQueue.global().async {
            second.value = try? log.append(TestBatch.make(records: 1)).baseOffset
            done.signal()
        }
        // The second append cannot finish while the first one's roll is paused.
        #expect(done.wait(timeout: .now() + 0.5) == .timedOut)
        #expect(roll.resume()?.baseOffset == 8)
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(second.value == 10 && log.logEndOffset == 11)
    }

    @Test("start ≤ recovery point ≤ flushed ≤ end through appends, flushes, DeleteRecords, retention, restart")
    func invariantsHold() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, segmentBytes: 4096, batchesOf1KiB: 10)
        #expect(log.offsets == LogOffsets(logStartOffset: 0, recoveryPoint: 0, flushedOffset: 0, logEndOffset: 20))
        #expect(try log.flush() == 20)
        _ = try log.append(TestBatch.make(records: 2, bodyBytes: 963))
        #expect(log.offsets == LogOffsets(logStartOffset: 0, recoveryPoint: 0, flushedOffset: 20, logEndOffset: 22))
        #expect(try log.flushForCheckpoint() == 22)
        #expect(log.offsets.recoveryPoint == 22)
        // Records deleted beyond the flushed offset need no sync and no recovery: both bounds follow the start.
        for _ in 0..<4 { _ = try log.append(TestBatch.make(records: 2, bodyBytes: 963)) }
        #expect(try log.deleteRecords(before: 26) == 26)
        #expect(log.offsets == LogOffsets(logStartOffset: 26, recoveryPoint: 26, flushedOffset: 26, logEndOffset: 30))
        // Retention moves the start to the first kept segment (segments [24, 32, 40] hold 24...45), and the
        // flushed offset and recovery point with it.
        for _ in 0..<8 { _ = try log.append(TestBatch.make(records: 2, bodyBytes: 963)) }
        var config = log.logConfig
        config.retentionMs = 0
        try log.updateConfig(config)
        #expect(try log.deleteExpiredSegments(now: 1_800_000_000_000) == 2)
        let afterRetention = LogOffsets(logStartOffset: 40, recoveryPoint: 40, flushedOffset: 40, logEndOffset: 46)
        #expect(log.offsets == afterRetention)
        try log.close()
        let (reopened, _) = try reopenLog(directory, config: log.logConfig, clean: true)
        let afterRestart = LogOffsets(logStartOffset: 40, recoveryPoint: 46, flushedOffset: 46, logEndOffset: 46)
        #expect(reopened.offsets == afterRestart)
    }

    @Test("publishing bounds out of order is a precondition failure, not a value readers could see")
    func disorderTraps() async {
        await #expect(processExitsWith: .failure) {
            let published = PublishedOffsets(
                LogOffsets(logStartOffset: 0, recoveryPoint: 0, flushedOffset: 10, logEndOffset: 10))
            published.update { $0.recoveryPoint = 11 }
        }
        await #expect(processExitsWith: .failure) {
            _ = PublishedOffsets(LogOffsets(logStartOffset: 5, recoveryPoint: 0, flushedOffset: 0, logEndOffset: 10))
        }
    }

    @Test("readers on other threads never see the bounds out of order while appends and flushes run")
    func readersNeverSeeTornBounds() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory, segmentBytes: 4096, batchesOf1KiB: 1)
        let stop = Flag()
        let finished = DispatchSemaphore(value: 0)
        let disorder = Handoff(0)
        DispatchQueue.global().async {
            var previous = log.offsets
            while !stop.isRaised {
                let now = log.offsets
                let ordered = now.logStartOffset <= now.recoveryPoint && now.recoveryPoint <= now.flushedOffset
                    && now.flushedOffset <= now.logEndOffset && now.logEndOffset >= previous.logEndOffset
                if !ordered { disorder.value += 1 }
                previous = now
            }
            finished.signal()
        }
        for index in 0..<200 {
            _ = try log.append(TestBatch.make(records: 2, bodyBytes: 400))
            if index % 10 == 0 { try log.flushForCheckpoint() }
            if index % 50 == 0 { try log.deleteRecords(before: log.logEndOffset - 4) }
        }
        stop.raise()
        #expect(finished.wait(timeout: .now() + 30) == .success)
        #expect(disorder.value == 0)
    }

    @Test("a stored batch whose offsets do not fit the segment's 32-bit index fields is cut, not truncated")
    func relativeOffsetsAreChecked() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        _ = try log.append(TestBatch.make(records: 11))
        try log.close()
        // Offsets 11...(11 + Int32.max) cannot be indexed in a segment at 0: written behind the log's back.
        let wide = StoredTestBatch.make(baseOffset: 11, offsetDeltas: [0], lastOffsetDelta: Int32.max)
        let path = log.segments[0].logPath
        let file = try LogFile(path: path, create: false)
        try file.write(wide.buffer, at: try file.size())
        let (reopened, report) = try reopenLog(directory, clean: false, recoveryPoint: nil)
        #expect(reopened.logEndOffset == 11)
        #expect(report.problem?.contains("do not fit") == true, "\(report)")
        // The log's own appends roll instead: a stored batch that wide starts a new segment.
        let info = try reopened.appendStored(wide)
        #expect(info.lastOffset == 11 + Int64(Int32.max) && reopened.segments.map(\.baseOffset) == [0, 11])
    }
}
