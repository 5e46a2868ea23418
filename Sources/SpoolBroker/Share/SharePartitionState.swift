import SpoolMetadata
import SpoolProtocol

/// One share-partition's delivery state (KIP-932): for a share group, a topic and a partition, the share-partition
/// start offset (SPSO), the end of what was acquired so far (SPEO), and the state of every record in between.
///
/// Records below the start offset are acknowledged or archived; records at and past the end offset are available
/// and were never delivered. In between, each record is available (with a delivery count, and a time before which
/// it is held back by the redelivery backoff), acquired (by a member, until a lock deadline), acknowledged or
/// archived. The window is one array indexed by offset minus the start offset, so a fetch and acknowledgement
/// cycle touches each record once and allocates nothing per record.
///
/// Every operation takes the time (`nowMs`, milliseconds) from the caller, so tests need no clock. Archived
/// records meant for the dead-letter topic collect in ``pendingDeadLetters`` until the caller takes them.
///
/// A value type, not synchronised: its owner serialises the calls (one share-partition, one owner).
public struct SharePartitionState: Sendable {
    /// A record's state inside the window.
    /// `deadLettering`: archived for the dead-letter topic but not yet written there; it holds the start offset
    /// back and is saved as available, so a crash before the write delivers it again rather than losing it.
    enum Phase: UInt8, Sendable {
        case available, acquired, acknowledged, archived, deadLettering
    }

    /// One in-flight record. `deadlineMs` is the lock deadline of an acquired record and the time an available
    /// record may be delivered again; `member` is the acquiring member's slot, or -1.
    struct Record: Sendable {
        var phase: Phase
        var deliveryCount: Int16
        var member: Int32
        var deadlineMs: Int64

        static let fresh = Record(phase: .available, deliveryCount: 0, member: -1, deadlineMs: 0)
    }

    /// The share group's id.
    public let groupId: String
    /// The topic's name.
    public let topic: String
    /// The partition index.
    public let partition: Int32
    /// The state epoch: 0 when created, bumped by each restore.
    public internal(set) var stateEpoch: Int32
    /// The share-partition start offset (SPSO).
    public private(set) var startOffset: Int64
    /// The limits and the redelivery backoff; the group's configs may change them at any time.
    public var policy: SharePartitionPolicy
    /// Archived records for the dead-letter topic that the caller has not taken yet (see ``takeDeadLetters()``).
    public private(set) var pendingDeadLetters: [DeadLetterRecords] = []
    /// Records archived for the dead-letter topic since this state was created or restored.
    public private(set) var deadLetteredTotal: Int64 = 0

    /// The window: `records[head + i]` is offset `startOffset + i`; the slots before `head` are spent.
    var records: [Record] = []
    var head = 0
    /// Member ids by slot (nil: free), their slots, and free slots to reuse.
    var memberIds: [String?] = []
    var memberSlots: [String: Int32] = [:]
    var freeSlots: [Int32] = []
    /// No lock expires before this; it may be earlier than the real earliest deadline, never later.
    var earliestLockDeadlineMs = Int64.max

    /// A new share-partition with nothing delivered.
    ///
    /// - Parameters:
    ///   - groupId: the share group's id.
    ///   - topic: the topic's name.
    ///   - partition: the partition index.
    ///   - startOffset: the first offset to deliver: the caller's answer to `share.auto.offset.reset`
    ///     (earliest: the log start offset; latest: the high watermark; by_duration: the offset for that time).
    ///   - policy: the limits and backoff.
    public init(groupId: String, topic: String, partition: Int32, startOffset: Int64, policy: SharePartitionPolicy) {
        self.groupId = groupId
        self.topic = topic
        self.partition = partition
        self.stateEpoch = 0
        self.startOffset = max(0, startOffset)
        self.policy = policy
    }

    /// The share-partition end offset (SPEO): the first offset never acquired.
    public var endOffset: Int64 { startOffset + Int64(records.count - head) }

    /// How many records are in flight, from the start offset to the end offset.
    public var inFlightCount: Int { records.count - head }

    /// Takes the archived records waiting to be appended to the dead-letter topic.
    ///
    /// - Returns: the ranges, in the order they were archived.
    public mutating func takeDeadLetters() -> [DeadLetterRecords] {
        defer { pendingDeadLetters = [] }
        return pendingDeadLetters
    }

    // MARK: - Acquiring

    /// Acquires available records for a member among the offsets the caller read from the log, and locks them.
    ///
    /// Only available records whose backoff has passed are taken, each one's delivery count raised by one.
    /// Records past the end offset extend the window while it holds fewer than
    /// ``SharePartitionPolicy/maximumRecordLocks`` records; when it is full only redeliveries are acquired.
    /// Offsets between the end offset and a candidate's first offset are absent from the log (compaction,
    /// transaction markers): they are archived. A record found at its delivery limit (the limit was lowered)
    /// is archived for the dead-letter topic instead of being delivered.
    ///
    /// - Parameters:
    ///   - memberId: the acquiring member.
    ///   - candidates: the read batches' `firstOffset...lastOffset`, ascending, not overlapping.
    ///   - maximumRecords: the most records to acquire (ShareFetch's MaxRecords).
    ///   - lockDurationMs: how long the member holds them (`share.record.lock.duration.ms`).
    ///   - nowMs: the current time, in milliseconds.
    /// - Returns: the acquired records, contiguous runs with one delivery count merged, ascending.
    public mutating func acquire(
        memberId: String, candidates: [ClosedRange<Int64>], maximumRecords: Int, lockDurationMs: Int64, nowMs: Int64
    ) -> [AcquiredRecords] {
        if nowMs >= earliestLockDeadlineMs { expireLocks(nowMs: nowMs) }
        let slot = self.slot(for: memberId)
        let (sum, overflow) = nowMs.addingReportingOverflow(max(0, lockDurationMs))
        let deadlineMs = overflow ? Int64.max : sum
        var remaining = maximumRecords
        var acquired: [AcquiredRecords] = []
        for candidate in candidates where remaining > 0 {
            var offset = max(candidate.lowerBound, startOffset)
            // Redeliveries inside the window.
            let windowEnd = min(candidate.upperBound + 1, endOffset)
            while offset < windowEnd && remaining > 0 {
                let index = head + Int(offset - startOffset)
                if records[index].phase == .available && records[index].deadlineMs <= nowMs {
                    if records[index].deliveryCount >= policy.deliveryCountLimit {
                        records[index].phase = .archived
                        noteDeadLetter(offset, records[index].deliveryCount, .deliveryLimit)
                    } else {
                        records[index].phase = .acquired
                        records[index].deliveryCount += 1
                        records[index].member = slot
                        records[index].deadlineMs = deadlineMs
                        Self.append(offset, records[index].deliveryCount, to: &acquired)
                        remaining -= 1
                    }
                }
                offset += 1
            }
            guard offset <= candidate.upperBound && remaining > 0 else { continue }
            // First deliveries past the window, while it has room.
            if !skipAbsentOffsets(upTo: offset) { break }
            let room = policy.maximumRecordLocks - inFlightCount
            let count = Int(min(Int64(min(remaining, room)), candidate.upperBound - offset + 1))
            guard count > 0 else { break }
            let record = Record(phase: .acquired, deliveryCount: 1, member: slot, deadlineMs: deadlineMs)
            records.append(contentsOf: repeatElement(record, count: count))
            Self.append(offset, offset + Int64(count) - 1, deliveryCount: 1, to: &acquired)
            remaining -= count
        }
        if !acquired.isEmpty { earliestLockDeadlineMs = min(earliestLockDeadlineMs, deadlineMs) }
        advanceStartOffset()
        return acquired
    }

    /// Where a ShareFetch should start reading the log: the first record that ``acquire(memberId:candidates:
    /// maximumRecords:lockDurationMs:nowMs:)`` could take now (available and past its backoff, or acquired with
    /// an expired lock), else the end offset while the window has room; nil when nothing can be acquired now,
    /// so a fetch need not read the log and may wait.
    ///
    /// - Parameter nowMs: the current time, in milliseconds.
    public func firstAcquirableOffset(nowMs: Int64) -> Int64? {
        for index in head..<records.count where records[index].deadlineMs <= nowMs {
            let phase = records[index].phase
            if phase == .available || phase == .acquired { return startOffset + Int64(index - head) }
        }
        return inFlightCount < policy.maximumRecordLocks ? endOffset : nil
    }

    /// Archives the offsets from the end offset up to `offset`, which the log does not have; when the window is
    /// empty the start offset simply moves. Returns false when the window has no room for them.
    private mutating func skipAbsentOffsets(upTo offset: Int64) -> Bool {
        guard offset > endOffset else { return true }
        if inFlightCount == 0 {
            records.removeAll(keepingCapacity: true)
            head = 0
            startOffset = offset
            return true
        }
        let gap = offset - endOffset
        guard gap < Int64(policy.maximumRecordLocks - inFlightCount) else { return false }
        let archived = Record(phase: .archived, deliveryCount: 0, member: -1, deadlineMs: 0)
        records.append(contentsOf: repeatElement(archived, count: Int(gap)))
        return true
    }

    private static func append(_ offset: Int64, _ deliveryCount: Int16, to acquired: inout [AcquiredRecords]) {
        append(offset, offset, deliveryCount: deliveryCount, to: &acquired)
    }

    private static func append(
        _ first: Int64, _ last: Int64, deliveryCount: Int16, to acquired: inout [AcquiredRecords]
    ) {
        if let previous = acquired.last, previous.lastOffset + 1 == first, previous.deliveryCount == deliveryCount {
            acquired[acquired.count - 1].lastOffset = last
        } else {
            acquired.append(AcquiredRecords(firstOffset: first, lastOffset: last, deliveryCount: deliveryCount))
        }
    }

    // MARK: - Members

    /// The slot of a member id, given one when it has none.
    mutating func slot(for memberId: String) -> Int32 {
        if let slot = memberSlots[memberId] { return slot }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            memberIds[Int(free)] = memberId
        } else {
            slot = Int32(memberIds.count)
            memberIds.append(memberId)
        }
        memberSlots[memberId] = slot
        return slot
    }

    /// The member holding an offset's lock, or nil when the record is not acquired.
    public func holder(of offset: Int64) -> String? {
        guard offset >= startOffset && offset < endOffset else { return nil }
        let record = records[head + Int(offset - startOffset)]
        guard record.phase == .acquired, record.member >= 0 else { return nil }
        return memberIds[Int(record.member)]
    }

    // MARK: - The start offset

    /// Moves the start offset over the leading acknowledged and archived records.
    mutating func advanceStartOffset() {
        var index = head
        while index < records.count && (records[index].phase == .acknowledged || records[index].phase == .archived) {
            index += 1
        }
        startOffset += Int64(index - head)
        head = index
        compactIfSpent()
    }

    /// Drops the spent slots before `head` once they are most of the array, so the window's memory stays
    /// proportional to what is in flight.
    private mutating func compactIfSpent() {
        if head == records.count {
            records.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= records.count {
            records.removeFirst(head)
            head = 0
        }
    }

    /// The log's start offset moved past records (retention, DeleteRecords): they are gone, whatever their
    /// state, and the start offset follows. Members holding them get INVALID_RECORD_STATE when they acknowledge.
    ///
    /// - Parameter logStartOffset: the log's new start offset.
    public mutating func logStartMoved(to logStartOffset: Int64) {
        guard logStartOffset > startOffset else { return }
        let dropped = Int(min(logStartOffset - startOffset, Int64(inFlightCount)))
        head += dropped
        startOffset = logStartOffset
        if head == records.count {
            records.removeAll(keepingCapacity: true)
            head = 0
        }
        advanceStartOffset()
    }

    mutating func noteDeadLetter(_ offset: Int64, _ deliveryCount: Int16, _ reason: DeadLetterReason) {
        deadLetteredTotal += 1
        if policy.holdsDeadLetters {
            // The caller archived it; it stays in the window until the dead-letter topic has it.
            records[head + Int(offset - startOffset)].phase = .deadLettering
        }
        if let last = pendingDeadLetters.last, last.lastOffset + 1 == offset, last.reason == reason,
            last.deliveryCount == deliveryCount
        {
            pendingDeadLetters[pendingDeadLetters.count - 1].lastOffset = offset
        } else {
            let records = DeadLetterRecords(
                firstOffset: offset, lastOffset: offset, deliveryCount: deliveryCount, reason: reason)
            pendingDeadLetters.append(records)
        }
    }

    /// The dead-letter topic has these records now: they are archived and the start offset may pass them.
    ///
    /// - Parameter written: ranges ``takeDeadLetters()`` returned.
    public mutating func deadLettersWritten(_ written: [DeadLetterRecords]) {
        for range in written {
            var offset = max(range.firstOffset, startOffset)
            while offset <= range.lastOffset && offset < endOffset {
                let index = head + Int(offset - startOffset)
                if records[index].phase == .deadLettering { records[index].phase = .archived }
                offset += 1
            }
        }
        advanceStartOffset()
    }

    /// Puts back dead letters whose write failed, to be taken again by the next ``takeDeadLetters()``.
    ///
    /// - Parameter failed: ranges ``takeDeadLetters()`` returned.
    public mutating func requeueDeadLetters(_ failed: [DeadLetterRecords]) {
        pendingDeadLetters.insert(contentsOf: failed, at: 0)
    }
}
