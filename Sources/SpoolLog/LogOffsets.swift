import Synchronization

/// The bounds of a partition log, read together: a value, so a reader never sees a torn pair.
///
/// Invariant, checked wherever the log publishes new bounds:
/// `logStartOffset ≤ recoveryPoint ≤ flushedOffset ≤ logEndOffset`.
public struct LogOffsets: Sendable, Equatable {
    /// The first offset still held.
    public var logStartOffset: Int64
    /// Offsets below this need no check after a crash: their data and indexes were synced.
    public var recoveryPoint: Int64
    /// Every offset below this is on the device (fsynced): the high watermark of a single-replica log.
    public var flushedOffset: Int64
    /// The offset the next appended record gets.
    public var logEndOffset: Int64
    /// The first offset of the oldest transaction still open, or nil when none is.
    public var firstUnstableOffset: Int64?

    /// The end of what read_committed consumers see (the LSO): below the oldest open transaction and the high
    /// watermark (the log end offset on a single broker), never below the log start offset.
    public var lastStableOffset: Int64 {
        max(logStartOffset, min(firstUnstableOffset ?? logEndOffset, logEndOffset))
    }

    /// The bounds; `firstUnstableOffset` nil when no transaction is open.
    public init(logStartOffset: Int64, recoveryPoint: Int64, flushedOffset: Int64, logEndOffset: Int64,
                firstUnstableOffset: Int64? = nil)
    {
        self.logStartOffset = logStartOffset
        self.recoveryPoint = recoveryPoint
        self.flushedOffset = flushedOffset
        self.logEndOffset = logEndOffset
        self.firstUnstableOffset = firstUnstableOffset
    }

    /// Moves the log start offset forward, and with it the recovery point and the flushed offset when they lag
    /// behind: nothing below the log start offset is read again, so nothing there needs syncing or recovery
    /// (Kafka's `UnifiedLog.updateLogStartOffset` does the same to the high watermark and the recovery point).
    mutating func advanceLogStart(to offset: Int64) {
        logStartOffset = max(logStartOffset, offset)
        flushedOffset = max(flushedOffset, logStartOffset)
        recoveryPoint = max(recoveryPoint, logStartOffset)
    }

    /// Traps when the bounds are out of order: every writer keeps them ordered, so disorder is a bug.
    func checkInvariants() {
        precondition(
            0 <= logStartOffset && logStartOffset <= recoveryPoint && recoveryPoint <= flushedOffset
                && flushedOffset <= logEndOffset,
            "log offsets out of order: start \(logStartOffset), recovery point \(recoveryPoint), "
                + "flushed \(flushedOffset), end \(logEndOffset)")
    }
}

/// Where a partition log publishes its bounds for readers on any thread. Its lock is held only to copy or
/// replace the value, never across I/O, so reading the bounds never waits on the disk. Thread-safe.
final class PublishedOffsets: Sendable {
    private let state: Mutex<LogOffsets>

    init(_ offsets: LogOffsets) {
        offsets.checkInvariants()
        state = Mutex(offsets)
    }

    /// The bounds as last published.
    var current: LogOffsets { state.withLock { $0 } }

    /// Changes the bounds in one step and checks the invariant on the result. Writers hold the partition lock,
    /// so changes never interleave; the result is returned for the caller's bookkeeping.
    @discardableResult
    func update(_ change: (inout LogOffsets) -> Void) -> LogOffsets {
        state.withLock { offsets in
            var next = offsets
            change(&next)
            next.checkInvariants()
            offsets = next
            return next
        }
    }
}
