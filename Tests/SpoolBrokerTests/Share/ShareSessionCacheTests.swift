import SpoolProtocol
import Testing

@testable import SpoolBroker

@Suite("Share sessions")
struct ShareSessionCacheTests {
    let key = ShareSessionCache.Key(groupId: "g", memberId: "m")
    let p0 = ShareSessionPartition(topicId: KafkaUUID(high: 1, low: 2), partition: 0)
    let p1 = ShareSessionPartition(topicId: KafkaUUID(high: 1, low: 2), partition: 1)

    @Test("Epoch 0 opens, each next epoch continues and edits the partitions, -1 closes and returns them")
    func lifecycle() throws {
        let cache = ShareSessionCache(maximumSessions: 10)
        #expect(try cache.fetch(key, epoch: 0, adding: [p0], forgetting: []) == .open(.init(
            partitions: [p0], nextEpoch: 1, isNew: true)))
        #expect(try cache.fetch(key, epoch: 1, adding: [p1], forgetting: []) == .open(.init(
            partitions: [p0, p1], nextEpoch: 2, isNew: false)))
        #expect(try cache.fetch(key, epoch: 2, adding: [], forgetting: [p0]) == .open(.init(
            partitions: [p1], nextEpoch: 3, isNew: false)))
        try cache.acknowledge(key, epoch: 3)
        #expect(try cache.fetch(key, epoch: -1, adding: [], forgetting: []) == .closed(partitions: [p1]))
        #expect(cache.count == 0)
    }

    @Test("A wrong epoch is INVALID_SHARE_SESSION_EPOCH and leaves the session as it was")
    func wrongEpoch() throws {
        let cache = ShareSessionCache(maximumSessions: 10)
        _ = try cache.fetch(key, epoch: 0, adding: [p0], forgetting: [])
        #expect(throws: ShareSessionError.invalidEpoch) { try cache.fetch(key, epoch: 5, adding: [p1], forgetting: []) }
        #expect(throws: ShareSessionError.invalidEpoch) { try cache.acknowledge(key, epoch: 2) }
        #expect(throws: ShareSessionError.invalidEpoch) { try cache.acknowledge(key, epoch: 0) }
        #expect(try cache.fetch(key, epoch: 1, adding: [], forgetting: []) == .open(.init(
            partitions: [p0], nextEpoch: 2, isNew: false)))
        #expect(ShareSessionError.invalidEpoch.code == .invalidShareSessionEpoch)
    }

    @Test("No session: SHARE_SESSION_NOT_FOUND for a continuing epoch, a close, and an acknowledgement")
    func notFound() {
        let cache = ShareSessionCache(maximumSessions: 10)
        #expect(throws: ShareSessionError.notFound) { try cache.fetch(key, epoch: 1, adding: [], forgetting: []) }
        #expect(throws: ShareSessionError.notFound) { try cache.fetch(key, epoch: -1, adding: [], forgetting: []) }
        #expect(throws: ShareSessionError.notFound) { try cache.acknowledge(key, epoch: 1) }
        #expect(throws: ShareSessionError.notFound) { try cache.acknowledge(key, epoch: -1) }
        #expect(ShareSessionError.notFound.code == .shareSessionNotFound)
    }

    @Test("Past the session bound a new session gets SHARE_SESSION_LIMIT_REACHED (133); reopening one does not")
    func limit() throws {
        let cache = ShareSessionCache(maximumSessions: 2)
        _ = try cache.fetch(key, epoch: 0, adding: [p0], forgetting: [])
        _ = try cache.fetch(.init(groupId: "g", memberId: "n"), epoch: 0, adding: [p0], forgetting: [])
        #expect(throws: ShareSessionError.limitReached) {
            try cache.fetch(.init(groupId: "g", memberId: "o"), epoch: 0, adding: [p0], forgetting: [])
        }
        #expect(ShareSessionError.limitReached.code.rawValue == 133)
        #expect(try cache.fetch(key, epoch: 0, adding: [p1], forgetting: []) == .open(.init(
            partitions: [p1], nextEpoch: 1, isNew: true)))
        cache.removeGroup("g")
        #expect(cache.count == 0)
        _ = try cache.fetch(.init(groupId: "g", memberId: "o"), epoch: 0, adding: [], forgetting: [])
        #expect(cache.remove(.init(groupId: "g", memberId: "o")) == [])
    }

    @Test("After Int32.max the epoch wraps to 1, since 0 and -1 mean open and close")
    func wrap() {
        #expect(ShareSessionCache.epoch(after: .max) == 1)
        #expect(ShareSessionCache.epoch(after: 7) == 8)
    }
}
