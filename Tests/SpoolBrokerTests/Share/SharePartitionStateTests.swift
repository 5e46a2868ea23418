import SpoolMetadata
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// A share-partition at offset 0 with Kafka's defaults unless a test says otherwise; times are plain numbers.
func makeState(
    startOffset: Int64 = 0, limit: Int16 = 5, locks: Int = 2000, backoff: RedeliveryBackoff = .none
) -> SharePartitionState {
    SharePartitionState(
        groupId: "g", topic: "t", partition: 0, startOffset: startOffset,
        policy: SharePartitionPolicy(deliveryCountLimit: limit, maximumRecordLocks: locks, redeliveryBackoff: backoff))
}

extension SharePartitionState {
    /// Acquires with a 30 s lock, the log holding `candidates`.
    mutating func take(
        _ member: String, _ candidates: [ClosedRange<Int64>], max: Int = 500, at nowMs: Int64 = 0
    ) -> [AcquiredRecords] {
        acquire(memberId: member, candidates: candidates, maximumRecords: max, lockDurationMs: 30_000, nowMs: nowMs)
    }

    mutating func ack(
        _ member: String, _ range: ClosedRange<Int64>, _ type: AcknowledgeType, at nowMs: Int64 = 0
    ) -> KafkaErrorCode {
        acknowledge(
            memberId: member,
            batches: [AcknowledgementBatch(firstOffset: range.lowerBound, lastOffset: range.upperBound, type: type)],
            nowMs: nowMs
        ).first ?? .unknownServerError
    }
}

func acquired(_ first: Int64, _ last: Int64, _ count: Int16) -> AcquiredRecords {
    AcquiredRecords(firstOffset: first, lastOffset: last, deliveryCount: count)
}

@Suite("A share-partition's record states")
struct SharePartitionStateTests {
    @Test("Acquiring takes the log's records from the start offset, once, up to MaxRecords, count 1")
    func acquireFirstDelivery() {
        var state = makeState()
        #expect(state.take("a", [0...9, 10...19], max: 15) == [acquired(0, 14, 1)])
        #expect(state.endOffset == 15)
        #expect(state.take("b", [0...9, 10...19]) == [acquired(15, 19, 1)])
        #expect(state.take("b", [0...9, 10...19]).isEmpty)
        #expect(state.holder(of: 3) == "a")
        #expect(state.holder(of: 17) == "b")
        #expect(state.counts.acquired == 20)
    }

    @Test("Accept moves the start offset over the leading acknowledged run and never delivers those again")
    func acceptAdvances() {
        var state = makeState()
        _ = state.take("a", [0...9])
        #expect(state.ack("a", 3...5, .accept) == .none)
        #expect(state.startOffset == 0)
        #expect(state.counts.acknowledged == 3)
        #expect(state.ack("a", 0...2, .accept) == .none)
        #expect(state.startOffset == 6)
        #expect(state.ack("a", 6...9, .accept) == .none)
        #expect(state.startOffset == 10 && state.inFlightCount == 0)
        #expect(state.take("b", [0...9]).isEmpty)
    }

    @Test("Release makes records available again at once by default, delivered with count 2")
    func releaseRedelivers() {
        var state = makeState()
        _ = state.take("a", [0...4])
        #expect(state.ack("a", 1...2, .release) == .none)
        #expect(state.counts.available == 2)
        #expect(state.counts.firstAvailableOffset == 1)
        #expect(state.take("b", [0...4, 5...6]) == [acquired(1, 2, 2), acquired(5, 6, 1)])
        #expect(state.holder(of: 1) == "b")
    }

    @Test("Reject archives for the dead-letter topic; Gap archives without; both move the start offset")
    func rejectAndGap() {
        var state = makeState()
        _ = state.take("a", [0...3])
        #expect(state.ack("a", 0...1, .reject) == .none)
        #expect(state.ack("a", 2...2, .gap) == .none)
        #expect(state.startOffset == 3)
        #expect(
            state.takeDeadLetters() == [
                DeadLetterRecords(firstOffset: 0, lastOffset: 1, deliveryCount: 1, reason: .rejected)
            ])
        #expect(state.takeDeadLetters().isEmpty)
        #expect(state.counts.deadLettered == 2)
        #expect(state.take("b", [0...3]).isEmpty)
    }

    @Test("Per-offset types apply one type to each offset of a batch")
    func perOffsetTypes() {
        var state = makeState()
        _ = state.take("a", [0...3])
        let batch = AcknowledgementBatch(firstOffset: 0, lastOffset: 3, acknowledgeTypes: [1, 2, 3, 0])
        #expect(state.acknowledge(memberId: "a", batches: [batch], nowMs: 0) == [.none])
        let counts = state.counts
        #expect(state.startOffset == 1)
        #expect(counts.available == 1 && counts.archived == 2 && counts.acknowledged == 0)
        #expect(state.takeDeadLetters().map(\.firstOffset) == [2])
    }

    @Test("Acknowledging records another member holds, never acquired, or already acknowledged: INVALID_RECORD_STATE")
    func invalidRecordState() {
        var state = makeState()
        _ = state.take("a", [0...4])
        #expect(state.ack("b", 0...0, .accept) == .invalidRecordState)
        #expect(state.ack("a", 4...5, .accept) == .invalidRecordState)  // 5 was never acquired
        #expect(state.ack("a", 0...0, .accept) == .none)
        #expect(state.ack("a", 0...0, .accept) == .invalidRecordState)  // below the start offset now
        #expect(state.ack("a", 2...2, .release) == .none)
        #expect(state.ack("a", 2...2, .accept) == .invalidRecordState)  // available again
        // The batch that failed changed nothing: 4 is still held by a.
        #expect(state.holder(of: 4) == "a")
        #expect(state.ack("a", 3...4, .accept) == .none)
    }

    @Test("A batch with one foreign record in it leaves the member's own records in it acquired")
    func batchAtomic() {
        var state = makeState()
        _ = state.take("a", [0...1])
        _ = state.take("b", [0...3])
        #expect(state.ack("a", 0...2, .accept) == .invalidRecordState)
        #expect(state.counts.acquired == 4)
    }

    @Test("Malformed batches get INVALID_REQUEST: reversed, no types, wrong type count, unknown type, overlap")
    func invalidRequest() {
        var state = makeState()
        _ = state.take("a", [0...9])
        let batches = [
            AcknowledgementBatch(firstOffset: 0, lastOffset: 0, acknowledgeTypes: [1]),
            AcknowledgementBatch(firstOffset: 3, lastOffset: 2, acknowledgeTypes: [1]),
            AcknowledgementBatch(firstOffset: 4, lastOffset: 4, acknowledgeTypes: []),
            AcknowledgementBatch(firstOffset: 5, lastOffset: 7, acknowledgeTypes: [1, 1]),
            AcknowledgementBatch(firstOffset: 8, lastOffset: 8, acknowledgeTypes: [4]),
            AcknowledgementBatch(firstOffset: 0, lastOffset: 1, acknowledgeTypes: [1]),  // overlaps the first
            AcknowledgementBatch(firstOffset: 9, lastOffset: 9, acknowledgeTypes: [1]),
        ]
        let errors = state.acknowledge(memberId: "a", batches: batches, nowMs: 0)
        #expect(errors == [.none, .invalidRequest, .invalidRequest, .invalidRequest, .invalidRequest,
                           .invalidRequest, .none])
        // Nothing applied, the good batches included, as Kafka rolls back the partition's acknowledgement.
        #expect(state.counts.acquired == 10 && state.startOffset == 0)
        let good = [0, 6].map { batches[$0] }
        #expect(state.acknowledge(memberId: "a", batches: good, nowMs: 0) == [.none, .none])
        #expect(state.counts.acknowledged == 1 && state.startOffset == 1)
    }

    @Test("One refused batch refuses the partition's whole acknowledgement: the member's own batches stay acquired")
    func acknowledgementAllOrNothing() {
        var state = makeState()
        _ = state.take("a", [0...1])
        _ = state.take("b", [0...3])
        let batches = [
            AcknowledgementBatch(firstOffset: 0, lastOffset: 1, type: .accept),
            AcknowledgementBatch(firstOffset: 2, lastOffset: 2, type: .accept),  // b's
        ]
        #expect(state.acknowledge(memberId: "a", batches: batches, nowMs: 0) == [.none, .invalidRecordState])
        #expect(state.counts.acquired == 4 && state.startOffset == 0)
    }

    @Test("A lock past its deadline cannot be acknowledged (INVALID_RECORD_STATE) and the record is redelivered")
    func expiredLock() {
        var state = makeState()
        _ = state.take("a", [0...2], at: 1000)  // locked until 31_000
        #expect(state.ack("a", 0...0, .accept, at: 31_000) == .invalidRecordState)
        #expect(state.ack("a", 0...0, .accept, at: 30_999) == .none)
        // Acquiring after the deadline expires the locks first: the other member gets them, count 2.
        #expect(state.take("b", [0...2], at: 31_000) == [acquired(1, 2, 2)])
    }

    @Test("expireLocks releases expired locks and reports the next deadline for one timer")
    func expireLocks() {
        var state = makeState(backoff: .fixed(delayMs: 500))
        _ = state.take("a", [0...1], at: 0)  // until 30_000
        _ = state.take("b", [0...3], at: 10_000)  // 2...3 until 40_000
        #expect(state.nextDeadlineMs(nowMs: 0) == 30_000)
        #expect(state.expireLocks(nowMs: 29_999) == 30_000)
        #expect(state.counts.acquired == 4)
        // 0...1 expire, available from 30_500; the next deadline is that, before b's lock.
        #expect(state.expireLocks(nowMs: 30_000) == 30_500)
        #expect(state.counts.available == 2 && state.counts.acquired == 2)
        #expect(state.expireLocks(nowMs: 30_500) == 40_000)
    }

    @Test("A fixed backoff holds released records back until it has passed")
    func fixedBackoff() {
        var state = makeState(backoff: .fixed(delayMs: 1000))
        _ = state.take("a", [0...0], at: 0)
        #expect(state.ack("a", 0...0, .release, at: 100) == .none)
        #expect(state.take("a", [0...0], at: 1099).isEmpty)
        #expect(state.take("a", [0...0], at: 1100) == [acquired(0, 0, 2)])
    }

    @Test("An exponential backoff doubles with each delivery up to its maximum")
    func exponentialBackoff() {
        let backoff = RedeliveryBackoff.exponential(baseMs: 100, maximumMs: 1000)
        #expect((1...6).map { backoff.delayMs(deliveryCount: Int16($0)) } == [100, 200, 400, 800, 1000, 1000])
        #expect(RedeliveryBackoff.exponential(baseMs: 1 << 40, maximumMs: .max).delayMs(deliveryCount: 100) == .max)
        #expect(RedeliveryBackoff.none.delayMs(deliveryCount: 3) == 0)
        var state = makeState(backoff: backoff)
        _ = state.take("a", [0...0], at: 0)
        _ = state.ack("a", 0...0, .release, at: 0)
        #expect(state.take("a", [0...0], at: 99).isEmpty)
        #expect(state.take("a", [0...0], at: 100) == [acquired(0, 0, 2)])
        _ = state.ack("a", 0...0, .release, at: 100)
        #expect(state.take("a", [0...0], at: 299).isEmpty)
        #expect(state.take("a", [0...0], at: 300) == [acquired(0, 0, 3)])
    }

    @Test("A backoff or lock reaching past Int64.max saturates instead of trapping")
    func saturatingDeadlines() {
        var state = makeState(limit: 100, backoff: .fixed(delayMs: .max))
        _ = state.acquire(memberId: "a", candidates: [0...0], maximumRecords: 1, lockDurationMs: .max, nowMs: 5)
        #expect(state.ack("a", 0...0, .release, at: .max - 1) == .none)
        #expect(state.take("a", [0...0], at: .max - 1).isEmpty)
    }

    @Test("A record released at the delivery limit is archived for the dead-letter topic, after exactly the limit")
    func deliveryLimitOnRelease() {
        var state = makeState(limit: 3)
        var deliveries = 0
        for _ in 0..<10 {
            guard !state.take("a", [0...0]).isEmpty else { break }
            deliveries += 1
            _ = state.ack("a", 0...0, .release)
        }
        #expect(deliveries == 3)
        #expect(state.startOffset == 1)
        #expect(
            state.takeDeadLetters() == [
                DeadLetterRecords(firstOffset: 0, lastOffset: 0, deliveryCount: 3, reason: .deliveryLimit)
            ])
    }

    @Test("A lock expiring at the delivery limit archives the record for the dead-letter topic")
    func deliveryLimitOnExpiry() {
        var state = makeState(limit: 2)
        _ = state.take("a", [0...1], at: 0)
        state.expireLocks(nowMs: 30_000)
        #expect(state.take("a", [0...1], at: 30_000) == [acquired(0, 1, 2)])
        #expect(state.expireLocks(nowMs: 60_000) == nil)
        #expect(state.startOffset == 2)
        #expect(state.takeDeadLetters().map(\.reason) == [.deliveryLimit])
        #expect(state.counts.deadLettered == 2)
    }

    @Test("releaseAll gives back what a leaving member holds, with its delivery counts, and nothing of others'")
    func releaseAll() {
        var state = makeState()
        _ = state.take("a", [0...2])
        _ = state.take("b", [0...4])
        #expect(state.releaseAll(memberId: "a", nowMs: 0) == 3)
        #expect(state.releaseAll(memberId: "a", nowMs: 0) == 0)
        #expect(state.holder(of: 3) == "b")
        #expect(state.take("c", [0...4]) == [acquired(0, 2, 2)])
        // The freed slot is reused by c: a's old records must not be acknowledgeable by a.
        #expect(state.ack("a", 0...0, .accept) == .invalidRecordState)
        #expect(state.ack("c", 0...2, .accept) == .none)
    }

    @Test("A full window acquires nothing new but still redelivers inside it")
    func maxRecordLocks() {
        var state = makeState(locks: 10)
        #expect(state.take("a", [0...99]) == [acquired(0, 9, 1)])
        #expect(state.take("b", [0...99]).isEmpty)
        _ = state.ack("a", 5...5, .release)
        #expect(state.take("b", [0...99]) == [acquired(5, 5, 2)])
        _ = state.ack("a", 0...1, .accept)
        #expect(state.take("b", [0...99]) == [acquired(10, 11, 1)])
        #expect(state.inFlightCount == 10)
    }

    @Test("firstAcquirableOffset: where a fetch reads from, or nil when nothing can be acquired until a deadline")
    func firstAcquirableOffset() {
        var state = makeState(locks: 10, backoff: .fixed(delayMs: 100))
        #expect(state.firstAcquirableOffset(nowMs: 0) == 0)
        _ = state.take("a", [0...99], at: 0)
        #expect(state.firstAcquirableOffset(nowMs: 0) == nil)
        _ = state.ack("a", 4...4, .release, at: 0)
        #expect(state.firstAcquirableOffset(nowMs: 99) == nil)
        #expect(state.firstAcquirableOffset(nowMs: 100) == 4)
        // A lock past its deadline counts: acquire expires it first.
        #expect(state.firstAcquirableOffset(nowMs: 30_000) == 0)
        _ = state.ack("a", 0...3, .accept, at: 0)
        #expect(state.firstAcquirableOffset(nowMs: 0) == 10)
    }

    @Test("Offsets the log lacks between the end offset and a batch are archived, or skipped when nothing is in flight")
    func absentOffsets() {
        var state = makeState()
        #expect(state.take("a", [5...6]) == [acquired(5, 6, 1)])
        #expect(state.startOffset == 5)
        #expect(state.take("a", [10...11]) == [acquired(10, 11, 1)])
        #expect(state.counts.archived == 3)
        #expect(state.takeDeadLetters().isEmpty)
        _ = state.ack("a", 5...6, .accept)
        #expect(state.startOffset == 10)
    }

    @Test("The log start moving past the start offset drops those records; their holder can no longer ack them")
    func logStartMoved() {
        var state = makeState()
        _ = state.take("a", [0...9])
        state.logStartMoved(to: 4)
        #expect(state.startOffset == 4 && state.inFlightCount == 6)
        #expect(state.ack("a", 2...2, .accept) == .invalidRecordState)
        #expect(state.ack("a", 4...4, .accept) == .none)
        #expect(state.startOffset == 5)
        state.logStartMoved(to: 50)
        #expect(state.startOffset == 50 && state.inFlightCount == 0)
        state.logStartMoved(to: 10)
        #expect(state.startOffset == 50)
    }

    @Test("The initial start offset is the caller's answer to share.auto.offset.reset")
    func initialStartOffset() {
        var state = makeState(startOffset: 1000)
        #expect(state.take("a", [0...999, 1000...1004]) == [acquired(1000, 1004, 1)])
    }

    @Test("A record found at the delivery limit on acquire (the limit was lowered) is archived, not delivered")
    func loweredLimit() {
        var state = makeState(limit: 5)
        _ = state.take("a", [0...0])
        _ = state.ack("a", 0...0, .release)
        _ = state.take("a", [0...0])
        _ = state.ack("a", 0...0, .release)
        state.policy.deliveryCountLimit = 2
        #expect(state.take("a", [0...1]) == [acquired(1, 1, 1)])
        #expect(state.takeDeadLetters().map(\.reason) == [.deliveryLimit])
        #expect(state.startOffset == 1)
    }

    @Test("Counts: available, acquired, acknowledged, archived, dead-lettered and the first available offset")
    func counts() {
        var state = makeState()
        _ = state.take("a", [0...9])
        _ = state.acknowledge(
            memberId: "a",
            batches: [AcknowledgementBatch(firstOffset: 1, lastOffset: 4, acknowledgeTypes: [1, 2, 3, 0])], nowMs: 0)
        let counts = state.counts
        #expect(counts.acquired == 6 && counts.acknowledged == 1 && counts.available == 1 && counts.archived == 2)
        #expect(counts.deadLettered == 1 && counts.firstAvailableOffset == 2)
        #expect(makeState(startOffset: 7).counts.firstAvailableOffset == 7)
    }

    @Test("Runs of equal delivery count merge; a change of count starts a new run")
    func mergedRuns() {
        var state = makeState()
        _ = state.take("a", [0...5])
        _ = state.ack("a", 2...3, .release)
        #expect(state.take("b", [0...5, 6...8]) == [acquired(2, 3, 2), acquired(6, 8, 1)])
    }
}
