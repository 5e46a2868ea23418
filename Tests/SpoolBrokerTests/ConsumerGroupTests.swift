import NIOCore
import Testing

@testable import SpoolBroker

/// Drives one `ConsumerGroup` state machine with a manual clock: each step gets the time, and answers to
/// JoinGroup and SyncGroup come back as actions, so no test sleeps.
struct ConsumerGroupTests {
    /// A group under test plus the answers its actions delivered.
    struct Harness {
        var group: ConsumerGroup
        var now: Int64 = 1_000_000
        var joins: [WaiterToken: JoinOutcome] = [:]
        var syncs: [WaiterToken: SyncOutcome] = [:]
        var persisted = 0
        var nextToken = 0

        init(delayMs: Int64 = 0) {
            var settings = GroupSettings()
            settings.initialRebalanceDelayMs = delayMs
            group = ConsumerGroup(groupId: "g", settings: settings, now: now)
        }

        mutating func apply(_ actions: [GroupAction]) {
            for action in actions {
                switch action {
                case .join(let token, let outcome): joins[token] = outcome
                case .sync(let token, let outcome): syncs[token] = outcome
                case .persist: persisted += 1
                }
            }
        }

        /// Sends a JoinGroup; returns its token (its answer, once given, is in `joins`).
        mutating func join(
            _ memberId: String = "", instance: String? = nil, protocols: [String] = ["range"], session: Int32 = 10_000,
            rebalance: Int32 = 30_000, version4: Bool = true
        ) -> WaiterToken {
            nextToken += 1
            let request = JoinParameters(
                groupId: "g", memberId: memberId, groupInstanceId: instance, protocolType: "consumer",
                protocols: protocols.map { GroupProtocol(name: $0, metadata: ByteBuffer(string: $0)) },
                sessionTimeoutMs: session, rebalanceTimeoutMs: rebalance, clientId: "c", clientHost: "/127.0.0.1",
                requireKnownMemberId: version4)
            apply(group.join(request, token: nextToken, now: now))
            return nextToken
        }

        /// Joins a new dynamic member through MEMBER_ID_REQUIRED; returns the token of its second join.
        mutating func joinNew(instance: String? = nil, session: Int32 = 10_000) -> (String, WaiterToken) {
            if instance != nil {
                let token = join(instance: instance, session: session)
                return (joins[token]?.memberId ?? "", token)
            }
            let first = join(session: session)
            let memberId = joins[first]?.memberId ?? ""
            #expect(joins[first]?.error == .memberIdRequired)
            return (memberId, join(memberId, session: session))
        }

        mutating func sync(_ memberId: String, generation: Int32, assignments: [String: String] = [:])
            -> WaiterToken
        {
            nextToken += 1
            let request = SyncParameters(
                memberId: memberId, groupInstanceId: nil, generationId: generation, protocolType: "consumer",
                protocolName: nil, assignments: assignments.mapValues { ByteBuffer(string: $0) })
            apply(group.sync(request, token: nextToken, now: now))
            return nextToken
        }

        mutating func heartbeat(_ memberId: String, generation: Int32) -> KafkaErrorCode {
            group.heartbeat(memberId: memberId, groupInstanceId: nil, generationId: generation, now: now)
        }

        mutating func advance(_ ms: Int64) {
            now += ms
            apply(group.tick(now: now))
        }

        /// Joins `count` members and completes the rebalance; returns the member ids, leader first.
        mutating func stableGroup(_ count: Int) -> [String] {
            for _ in 0..<count { _ = joinNew() }
            // Each late joiner made the earlier members rejoin: they do, which ends the join phase.
            for id in group.memberOrder
            where group.phase == .preparingRebalance && group.members[id]?.pendingJoin == nil {
                _ = join(id)
            }
            let leader = group.leaderId ?? ""
            let ids = group.memberOrder
            var assignments: [String: String] = [:]
            for id in ids { assignments[id] = "assignment-\(id)" }
            for id in ids where id != group.leaderId { _ = sync(id, generation: group.generationId) }
            _ = sync(group.leaderId ?? leader, generation: group.generationId, assignments: assignments)
            return [group.leaderId ?? ""] + ids.filter { $0 != group.leaderId }
        }
    }

    @Test("join, sync and heartbeat: the leader's assignment reaches every member and the group is Stable")
    func joinSyncHeartbeat() {
        var h = Harness()
        let (a, joinA) = h.joinNew()
        #expect(h.joins[joinA]?.generationId == 1)
        #expect(h.joins[joinA]?.leaderId == a)
        #expect(h.joins[joinA]?.members.count == 1)
        #expect(h.group.phase == .completingRebalance)
        let (b, joinB) = h.joinNew()
        // B's arrival starts a new rebalance: A must rejoin; its heartbeat says so.
        #expect(h.joins[joinB] == nil)
        #expect(h.heartbeat(a, generation: 1) == .rebalanceInProgress)
        let rejoinA = h.join(a)
        #expect(h.joins[rejoinA]?.generationId == 2)
        #expect(h.joins[joinB]?.generationId == 2)
        #expect(h.joins[joinB]?.members.isEmpty == true)
        let syncB = h.sync(b, generation: 2)
        #expect(h.syncs[syncB] == nil)
        let syncA = h.sync(a, generation: 2, assignments: [a: "pa", b: "pb"])
        #expect(h.syncs[syncA]?.assignment == ByteBuffer(string: "pa"))
        #expect(h.syncs[syncB]?.assignment == ByteBuffer(string: "pb"))
        #expect(h.group.phase == .stable)
        #expect(h.heartbeat(b, generation: 2) == .none)
        #expect(h.heartbeat(b, generation: 1) == .illegalGeneration)
        #expect(h.heartbeat("stranger", generation: 2) == .unknownMemberId)
        #expect(h.persisted >= 2)
    }

    @Test("a leaving member triggers a rebalance among the others; the last one leaving empties the group")
    func leave() {
        var h = Harness()
        let ids = h.stableGroup(2)
        let (errors, actions) = h.group.leave([(ids[1], nil)], now: h.now)
        h.apply(actions)
        #expect(errors == [.none])
        #expect(h.group.phase == .preparingRebalance)
        let rejoin = h.join(ids[0])
        #expect(h.joins[rejoin]?.generationId == h.group.generationId)
        #expect(h.group.phase == .completingRebalance)
        let (unknown, _) = h.group.leave([("nobody", nil)], now: h.now)
        #expect(unknown == [.unknownMemberId])
        let (last, more) = h.group.leave([(ids[0], nil)], now: h.now)
        h.apply(more)
        #expect(last == [.none])
        #expect(h.group.phase == .empty)
    }

    @Test("a member whose heartbeats stop is removed after its session timeout and the others rebalance")
    func sessionExpiry() {
        var h = Harness()
        let ids = h.stableGroup(2)
        let generation = h.group.generationId
        h.advance(6_000)
        #expect(h.heartbeat(ids[0], generation: generation) == .none)
        h.advance(4_500)  // ids[1] last heard of 10.5 s ago: its 10 s session expired
        #expect(h.group.members[ids[1]] == nil)
        #expect(h.group.phase == .preparingRebalance)
        #expect(h.heartbeat(ids[0], generation: generation) == .rebalanceInProgress)
        _ = h.join(ids[0])
        #expect(h.group.phase == .completingRebalance)
        #expect(h.group.generationId == generation + 1)
    }

    @Test("a member that never rejoins is dropped when the rebalance timeout ends the join phase")
    func rebalanceTimeout() {
        var h = Harness()
        let ids = h.stableGroup(2)
        let (_, joinC) = h.joinNew()
        _ = h.join(ids[0])
        // ids[1] keeps heartbeating but never rejoins.
        for _ in 0..<6 {
            h.advance(5_000)
            _ = h.heartbeat(ids[1], generation: h.group.generationId)
        }
        #expect(h.joins[joinC]?.error == KafkaErrorCode.none)
        #expect(h.group.members[ids[1]] == nil)
        #expect(h.group.members.count == 2)
    }

    @Test("a member that never sends SyncGroup is removed at the rebalance timeout; waiting members rejoin")
    func memberThatNeverSyncs() {
        var h = Harness()
        let (a, _) = h.joinNew()
        let (b, joinB) = h.joinNew()
        _ = h.join(a)
        #expect(h.joins[joinB]?.generationId == 2)
        let leader = h.group.leaderId ?? ""
        let follower = leader == a ? b : a
        let waiting = h.sync(follower, generation: 2)
        #expect(h.syncs[waiting] == nil)
        h.advance(30_000)  // the leader never syncs
        #expect(h.syncs[waiting]?.error == .rebalanceInProgress)
        #expect(h.group.members[leader] == nil)
        #expect(h.group.phase == .preparingRebalance || h.group.phase == .completingRebalance)
    }

    @Test("a static member restarting with its group.instance.id gets its assignment back without a rebalance")
    func staticMemberRejoins() {
        var h = Harness()
        let (a, joinA) = h.joinNew(instance: "host-a")
        #expect(h.joins[joinA]?.error == KafkaErrorCode.none)
        let syncA = h.sync(a, generation: 1, assignments: [a: "everything"])
        #expect(h.syncs[syncA]?.assignment == ByteBuffer(string: "everything"))
        let generation = h.group.generationId
        let again = h.join(instance: "host-a")
        let newId = h.joins[again]?.memberId ?? ""
        #expect(newId != a && !newId.isEmpty)
        #expect(h.joins[again]?.generationId == generation)
        #expect(h.group.phase == .stable)
        // The old incarnation is fenced.
        #expect(
            h.group.heartbeat(memberId: a, groupInstanceId: "host-a", generationId: generation, now: h.now)
                == .fencedInstanceId)
        let resync = h.sync(newId, generation: generation)
        #expect(h.syncs[resync]?.assignment == ByteBuffer(string: "everything"))
    }

    @Test("JoinGroup errors: session timeout bounds, MEMBER_ID_REQUIRED only from v4, unknown members, protocols")
    func joinErrors() {
        var h = Harness()
        #expect(h.joins[h.join(session: 1000)]?.error == .invalidSessionTimeout)
        #expect(h.joins[h.join(session: 1_900_000)]?.error == .invalidSessionTimeout)
        #expect(h.joins[h.join("made-up")]?.error == .unknownMemberId)
        let old = h.join(version4: false)
        #expect(h.joins[old]?.error == KafkaErrorCode.none)
        #expect(h.joins[h.join(protocols: ["roundrobin"])]?.error == .inconsistentGroupProtocol)
    }

    @Test("the protocol is chosen among those every member supports, by the members' preference")
    func protocolSelection() {
        var h = Harness()
        let first = h.join(protocols: ["cooperative-sticky", "range"], version4: false)
        let a = h.joins[first]?.memberId ?? ""
        _ = h.join(protocols: ["range", "roundrobin"], version4: false)
        _ = h.join(a, protocols: ["cooperative-sticky", "range"])
        #expect(h.group.protocolName == "range")
    }

    @Test("the initial rebalance delay holds the first generation back while members keep arriving")
    func initialDelay() {
        var h = Harness(delayMs: 3000)
        let (_, joinA) = h.joinNew()
        h.advance(1000)
        let (_, joinB) = h.joinNew()
        h.advance(2100)
        #expect(h.joins[joinA] == nil)  // B arrived during the delay: it was extended
        h.advance(3000)
        #expect(h.joins[joinA]?.generationId == 1)
        #expect(h.joins[joinB]?.generationId == 1)
    }

    @Test("OffsetCommit checks: simple commits to an empty group, members' commits by generation")
    func commitChecks() {
        var h = Harness()
        #expect(h.group.commitError(memberId: "", groupInstanceId: nil, generationId: -1) == nil)
        let ids = h.stableGroup(1)
        let generation = h.group.generationId
        #expect(h.group.commitError(memberId: ids[0], groupInstanceId: nil, generationId: generation) == nil)
        #expect(h.group.commitError(memberId: ids[0], groupInstanceId: nil, generationId: 0) == .illegalGeneration)
        #expect(h.group.commitError(memberId: "x", groupInstanceId: nil, generationId: generation) == .unknownMemberId)
        #expect(h.group.commitError(memberId: "", groupInstanceId: nil, generationId: -1) == .unknownMemberId)
    }

    @Test("pending member ids from MEMBER_ID_REQUIRED expire after the session timeout")
    func pendingMemberExpires() {
        var h = Harness()
        let first = h.join()
        let pending = h.joins[first]?.memberId ?? ""
        #expect(h.group.pendingMembers[pending] != nil)
        h.advance(10_001)
        #expect(h.group.pendingMembers.isEmpty)
        #expect(h.group.isEmpty)
        #expect(h.joins[h.join(pending)]?.error == .unknownMemberId)
    }
}
