import NIOCore
import SpoolClient
import Testing

@Suite("consumer groups", .serialized, .timeLimit(.minutes(2)))
struct GroupTests {
    @Test("range gives each member consecutive partitions per topic, the first members one more")
    func range() {
        let members = ["b", "a", "c"].map { PartitionAssignor.Member(memberId: $0, topics: ["t"]) }
        let result = PartitionAssignor.range.assign(members, partitionCounts: ["t": 7])
        #expect(result["a"] == (0...2).map { TopicPartition("t", $0) })
        #expect(result["b"] == (3...4).map { TopicPartition("t", $0) })
        #expect(result["c"] == (5...6).map { TopicPartition("t", $0) })
    }

    @Test("cooperative-sticky keeps owned partitions and holds back the ones that must move for a round")
    func cooperativeSticky() {
        let all = (0..<6).map { TopicPartition("t", $0) }
        let first = PartitionAssignor.cooperativeSticky.assign(
            [.init(memberId: "a", topics: ["t"], owned: all)], partitionCounts: ["t": 6])
        #expect(first["a"] == all)
        // b joins: a keeps three, the other three are revoked from a and not yet given to b.
        let second = PartitionAssignor.cooperativeSticky.assign(
            [.init(memberId: "a", topics: ["t"], owned: all), .init(memberId: "b", topics: ["t"])],
            partitionCounts: ["t": 6])
        #expect(second["a"]?.count == 3)
        #expect(second["b"] == [])
        // Next round: a owns three, b gets the rest.
        let third = PartitionAssignor.cooperativeSticky.assign(
            [.init(memberId: "a", topics: ["t"], owned: second["a"] ?? []), .init(memberId: "b", topics: ["t"])],
            partitionCounts: ["t": 6])
        #expect(third["a"] == second["a"])
        #expect(Set(third["b"] ?? []) == Set(all).subtracting(second["a"] ?? []))
    }

    @Test(
        "three SpoolClient consumers share a topic, rebalance when one leaves, and together consume every record",
        arguments: [PartitionAssignor.range, .cooperativeSticky])
    func threeConsumers(assignor: PartitionAssignor) async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "group.initial.rebalance.delay.ms=0"])
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("shared", partitions: 6)
        let producer = try Producer(client: client, configuration: .init(lingerMs: 1))
        for index in 0..<600 {
            try await producer.send(
                topic: "shared", key: ByteBuffer(string: "\(index)"), value: ByteBuffer(string: "\(index)")
            ) { _ in }
        }
        await producer.flush()

        var configuration = ConsumerConfiguration(groupId: "g-\(assignor.rawValue)", autoOffsetReset: .earliest)
        configuration.heartbeatIntervalMs = 200
        configuration.sessionTimeoutMs = 6_000
        configuration.rebalanceTimeoutMs = 10_000
        configuration.autoCommitIntervalMs = 200
        configuration.assignors = [assignor]
        let consumers = (0..<3).map { _ in Consumer(client: broker.clientConfiguration(), configuration: configuration)
        }
        for consumer in consumers { try await consumer.subscribe(["shared"]) }
        let seen = Collector()
        let loops = consumers.map { consumer in
            Task {
                while !Task.isCancelled {
                    guard let records = try? await consumer.poll(timeoutMs: 200) else { return }
                    await seen.add(records.compactMap { $0.value.map { String(buffer: $0) } })
                }
            }
        }
        try await waitUntil { await seen.unique.count == 600 }
        var assignments: [[TopicPartition]] = []
        for consumer in consumers { assignments.append(await consumer.assigned) }
        #expect(assignments.allSatisfy { $0.count == 2 }, "\(assignments)")
        #expect(Set(assignments.flatMap { $0 }).count == 6)

        // One member leaves: the other two take its partitions and get what is produced next.
        loops[2].cancel()
        await consumers[2].close()
        for index in 600..<900 {
            try await producer.send(
                topic: "shared", key: ByteBuffer(string: "\(index)"), value: ByteBuffer(string: "\(index)")
            ) { _ in }
        }
        await producer.close()
        try await waitUntil { await seen.unique.count == 900 }
        #expect(await seen.unique == Set((0..<900).map(String.init)))
        // Keyed records reach every partition, so all 900 arriving means the two took over all six.
        try await waitUntil {
            Set(await consumers[0].assigned + consumers[1].assigned).count == 6
        }
        for loop in loops { loop.cancel() }
        for consumer in consumers { await consumer.close() }
        await client.close()
    }
}

actor Collector {
    var all: [String] = []
    var unique: Set<String> { Set(all) }
    func add(_ values: [String]) { all += values }
}

/// Reads one partition from the beginning until `count` values arrived or `timeout` passed; the values as text.
func readValues(
    _ partition: TopicPartition, client: KafkaClient, count: Int, timeout: Duration = .seconds(20)
) async throws -> [String] {
    let consumer = Consumer(client: client, configuration: .init(autoOffsetReset: .earliest))
    await consumer.assign([partition])
    var values: [String] = []
    let deadline = ContinuousClock.now + timeout
    while values.count < count && ContinuousClock.now < deadline {
        values += try await consumer.poll(timeoutMs: 500).compactMap { $0.value.map { String(buffer: $0) } }
    }
    await consumer.close()
    return values
}

func waitUntil(timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within \(timeout)")
}
