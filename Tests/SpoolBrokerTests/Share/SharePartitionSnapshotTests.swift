import SpoolMetadata
import Testing

@testable import SpoolBroker

@Suite("A share-partition's durable snapshot")
struct SharePartitionSnapshotTests {
    @Test("Restored from its snapshot: acquired records are available again, accepted ones never delivered again")
    func restoreRedeliversAcquiredOnly() {
        var state = makeState(startOffset: 100)
        _ = state.take("a", [100...119])
        _ = state.ack("a", 100...104, .accept)
        _ = state.ack("a", 106...107, .accept)
        _ = state.ack("a", 108...108, .reject)
        _ = state.ack("a", 109...109, .release)
        let snapshot = state.snapshot()
        #expect(snapshot.startOffset == 105)
        #expect(
            snapshot.ranges == [
                .init(firstOffset: 105, lastOffset: 105, state: .available, deliveryCount: 1),
                .init(firstOffset: 106, lastOffset: 107, state: .acknowledged, deliveryCount: 1),
                .init(firstOffset: 108, lastOffset: 108, state: .archived, deliveryCount: 1),
                .init(firstOffset: 109, lastOffset: 119, state: .available, deliveryCount: 1),
            ])

        var restored = SharePartitionState(restoring: snapshot, policy: state.policy)
        #expect(restored.stateEpoch == 1)
        #expect(restored.startOffset == 105 && restored.endOffset == 120)
        let delivered = restored.take("b", [100...129])
        #expect(delivered == [acquired(105, 105, 2), acquired(109, 119, 2), acquired(120, 129, 1)])
        #expect(restored.counts.acknowledged == 2 && restored.counts.archived == 1)
    }

    @Test("A snapshot's ranges survive their binary encoding; bad bytes are refused")
    func encoding() throws {
        var state = makeState()
        _ = state.take("a", [0...9])
        _ = state.ack("a", 3...3, .accept)
        _ = state.ack("a", 5...6, .reject)
        let snapshot = state.snapshot()
        let bytes = snapshot.encodedRanges()
        #expect(bytes.count == 1 + 19 * snapshot.ranges.count)
        #expect(try SharePartitionSnapshot.decodeRanges(bytes) == snapshot.ranges)
        #expect(throws: MetadataError.self) { try SharePartitionSnapshot.decodeRanges([2] + bytes.dropFirst()) }
        #expect(throws: MetadataError.self) { try SharePartitionSnapshot.decodeRanges(Array(bytes.dropLast())) }
        #expect(try SharePartitionSnapshot.decodeRanges([1]).isEmpty)
    }

    @Test("Never-delivered records stay implicit: a fresh state's snapshot has no ranges and restores equal")
    func emptySnapshot() {
        let state = makeState(startOffset: 42)
        let snapshot = state.snapshot()
        #expect(snapshot.ranges.isEmpty && snapshot.startOffset == 42)
        let restored = SharePartitionState(restoring: snapshot, policy: state.policy)
        #expect(restored.snapshot().startOffset == 42 && restored.inFlightCount == 0)
    }

    @Test("Snapshot, restore, snapshot again: the same ranges (only the epoch moves)")
    func roundTrip() {
        var state = makeState(limit: 3)
        _ = state.take("a", [0...49])
        _ = state.ack("a", 10...19, .accept)
        _ = state.ack("a", 20...29, .release)
        _ = state.take("b", [0...49])
        let snapshot = state.snapshot()
        let again = SharePartitionState(restoring: snapshot, policy: state.policy).snapshot()
        #expect(again.ranges == snapshot.ranges && again.startOffset == snapshot.startOffset)
        #expect(again.stateEpoch == snapshot.stateEpoch + 1)
    }
}
