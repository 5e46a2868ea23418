import Logging
import NIOConcurrencyHelpers
import NIOCore
import SpoolMetadata
import Testing

@testable import SpoolBroker

/// The coordinator around the state machines: JoinGroup waits on a continuation that another member's
/// join resumes, shutdown answers waiters, and offsets of empty groups expire by a manual clock.
@Suite struct GroupCoordinatorTests {
    final class ManualClock: Sendable {
        private let now = NIOLockedValueBox<Int64>(1_000_000)
        var read: @Sendable () -> Int64 { { self.now.withLockedValue { $0 } } }
        func advance(_ ms: Int64) { now.withLockedValue { $0 += ms } }
    }

    static func coordinator(clock: ManualClock) throws -> (GroupCoordinator, SQLiteMetadataStore) {
        let store = try SQLiteMetadataStore(dataDirectory: temporaryDataDirectory())
        var settings = GroupSettings()
        settings.initialRebalanceDelayMs = 0
        settings.offsetsRetentionMs = 60_000
        let coordinator = GroupCoordinator(
            settings: settings, store: store, logger: Logger(label: "test"), clock: clock.read)
        return (coordinator, store)
    }

    static func join(_ memberId: String = "") -> JoinParameters {
        JoinParameters(
            groupId: "g", memberId: memberId, groupInstanceId: nil, protocolType: "consumer",
            protocols: [GroupProtocol(name: "range", metadata: ByteBuffer())], sessionTimeoutMs: 10_000,
            rebalanceTimeoutMs: 10_000, clientId: "c", clientHost: "h", requireKnownMemberId: false)
    }

    /// Waits (without sleeping) until the group holds `count` members.
    static func waitForMembers(_ coordinator: GroupCoordinator, _ count: Int) async {
        while coordinator.group("g")?.members.count != count { await Task.yield() }
    }

    @Test("a second member's JoinGroup waits until the first rejoins; both get the same new generation")
    func joinWaitsForRebalance() async throws {
        let clock = ManualClock()
        let (coordinator, store) = try Self.coordinator(clock: clock)
        defer { try? store.close() }
        let first = await coordinator.join(Self.join())
        #expect(first.generationId == 1)
        async let second = coordinator.join(Self.join())
        await Self.waitForMembers(coordinator, 2)
        let rejoined = await coordinator.join(Self.join(first.memberId))
        let late = await second
        #expect(rejoined.generationId == 2 && late.generationId == 2)
        #expect(rejoined.leaderId == first.memberId && rejoined.members.count == 2)
    }

    @Test("shutdown answers a waiting JoinGroup NOT_COORDINATOR, and later ones too")
    func shutdownAnswersWaiters() async throws {
        let clock = ManualClock()
        let (coordinator, store) = try Self.coordinator(clock: clock)
        defer { try? store.close() }
        _ = await coordinator.join(Self.join())
        async let waiting = coordinator.join(Self.join())
        await Self.waitForMembers(coordinator, 2)
        coordinator.shutdown()
        #expect(await waiting.error == .notCoordinator)
        #expect(await coordinator.join(Self.join()).error == .notCoordinator)
    }

    @Test("a session that expires on the manual clock ends the rebalance the others wait for")
    func tickExpiresSessions() async throws {
        let clock = ManualClock()
        let (coordinator, store) = try Self.coordinator(clock: clock)
        defer { try? store.close() }
        _ = await coordinator.join(Self.join())
        async let waiting = coordinator.join(Self.join())
        await Self.waitForMembers(coordinator, 2)
        clock.advance(10_001)  // the first member neither heartbeats nor rejoins
        coordinator.tick()
        let outcome = await waiting
        #expect(outcome.generationId == 2 && outcome.leaderId == outcome.memberId)
    }

    @Test("offsets of an empty group expire after offsets.retention.minutes and the group goes away")
    func offsetsExpire() async throws {
        let clock = ManualClock()
        let (coordinator, store) = try Self.coordinator(clock: clock)
        defer { try? store.close() }
        _ = try await store.createTopic(name: "t", partitionCount: 1)
        #expect(coordinator.commitError(groupId: "g", memberId: "", groupInstanceId: nil, generationId: -1) == nil)
        _ = try await store.commitOffsets(groupId: "g", offsets: [
            CommittedOffset(topic: "t", partition: 0, offset: 3, commitTimestampMs: clock.read())
        ])
        clock.advance(30_000)
        await coordinator.expireOffsets()
        #expect(try await store.committedOffsets(groupId: "g").count == 1)
        clock.advance(30_001)
        await coordinator.expireOffsets()
        #expect(try await store.committedOffsets(groupId: "g").isEmpty)
        #expect(coordinator.group("g") == nil)
    }
}
