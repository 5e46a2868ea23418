import SpoolMetadata
import SpoolProtocol
import Testing

@testable import SpoolBroker

@Suite("Dead letters held in the window until written, and group config values")
struct ShareDeadLetterStateTests {
    private func holding(limit: Int16 = 5) -> SharePartitionState {
        var policy = SharePartitionPolicy(deliveryCountLimit: limit)
        policy.holdsDeadLetters = true
        return SharePartitionState(groupId: "g", topic: "t", partition: 0, startOffset: 0, policy: policy)
    }

    @Test("With a dead-letter topic a rejected record waits, saved as available, until written; then archived")
    func rejectedWaitsForTheWrite() {
        var state = holding()
        _ = state.take("a", [0...2])
        #expect(state.ack("a", 0...0, .accept) == .none)
        #expect(state.ack("a", 1...1, .reject) == .none)
        #expect(state.ack("a", 2...2, .accept) == .none)
        #expect(state.startOffset == 1)
        #expect(state.snapshot().ranges.contains { $0.firstOffset == 1 && $0.state == .available })
        #expect(state.take("b", [0...2]).isEmpty)
        let letters = state.takeDeadLetters()
        #expect(letters == [DeadLetterRecords(firstOffset: 1, lastOffset: 1, deliveryCount: 1, reason: .rejected)])
        state.deadLettersWritten(letters)
        #expect(state.startOffset == 3)
    }

    @Test("A failed write puts the ranges back for the next take")
    func requeue() {
        var state = holding(limit: 2)
        _ = state.take("a", [0...0])
        #expect(state.ack("a", 0...0, .release) == .none)
        _ = state.take("a", [0...0])
        #expect(state.ack("a", 0...0, .release) == .none)
        let letters = state.takeDeadLetters()
        #expect(letters.map(\.reason) == [.deliveryLimit])
        state.requeueDeadLetters(letters)
        #expect(state.takeDeadLetters() == letters)
        #expect(state.startOffset == 0)
    }

    @Test("ISO-8601 durations as Java's Duration.parse reads them; bad ones refused")
    func durations() {
        #expect(ShareGroupConfigKeys.isoDurationMs("PT1H") == 3_600_000)
        #expect(ShareGroupConfigKeys.isoDurationMs("P1DT30M") == Int64(88_200_000))
        #expect(ShareGroupConfigKeys.isoDurationMs("PT0.5S") == 500)
        for bad in ["1H", "P", "PT", "P1H", "PT1D", "PT1.5H", "-PT1H"] {
            #expect(ShareGroupConfigKeys.isoDurationMs(bad) == nil, "\(bad)")
        }
    }

    @Test("The backoff keys make none, fixed or exponential; a dead-letter topic needs the prefix")
    func values() throws {
        let defaults = ShareGroupConfig(configuration: BrokerConfiguration())
        let apply = { (overrides: [String: String]) throws(BrokerError) in
            try ShareGroupConfigKeys.apply(overrides, to: defaults, deadLetterPrefix: "dlq.")
        }
        #expect(try apply(["share.redelivery.backoff.ms": "100"]).redeliveryBackoff == .fixed(delayMs: 100))
        #expect(
            try apply(["share.redelivery.backoff.ms": "100", "share.redelivery.backoff.max.ms": "800"])
                .redeliveryBackoff == .exponential(baseMs: 100, maximumMs: 800))
        #expect(try apply(["share.redelivery.backoff.ms": "0"]).redeliveryBackoff == RedeliveryBackoff.none)
        #expect(throws: BrokerError.self) { try apply(["errors.deadletterqueue.topic.name": "orders"]) }
        #expect(try apply(["errors.deadletterqueue.topic.name": "dlq.orders"]).policy(maximumRecordLocks: 10)
            .holdsDeadLetters)
    }
}
