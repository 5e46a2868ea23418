import Logging
import NIOCore
import ServiceLifecycle
import SpoolClient
import Testing

/// SpoolClient's ShareConsumer against a real `spool serve` (share groups start at the log start here).
@Suite("SpoolClient share consumer against a real broker", .serialized, .timeLimit(.minutes(2)))
struct ShareConsumerTests {
    static let brokerArguments = ["--set", "group.share.auto.offset.reset=earliest"]

    @Test("two share consumers on one partition split the records: each taken once, both did work")
    func twoConsumersSplitOnePartition() async throws {
        let broker = try await TestBroker(extraArguments: Self.brokerArguments)
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("work", partitions: 1)
        let consumers = (0..<2).map { _ in
            ShareConsumer(
                client: broker.clientConfiguration(), configuration: .init(groupId: "workers", maxRecords: 50))
        }
        for consumer in consumers {
            try await consumer.subscribe(["work"])
            _ = try await consumer.poll(timeoutMs: 200)  // both join before there is work
        }
        try await produce(count: 2_000, topic: "work", client: client)
        let taken = Collector()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, consumer) in consumers.enumerated() {
                group.addTask {
                    let deadline = ContinuousClock.now + .seconds(30)
                    while await taken.all.count < 2_000, ContinuousClock.now < deadline {
                        let records = try await consumer.poll(timeoutMs: 200)
                        await taken.add(records.map { "\(index) \($0.offset) \($0.deliveryCount)" })
                        // A pause per batch, as work would take, gives the other consumer its turn.
                        if !records.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                    }
                    let outcomes = try await consumer.commit()
                    #expect(outcomes.values.allSatisfy { (try? $0.get()) != nil }, "\(outcomes)")
                }
            }
            try await group.waitForAll()
        }
        let lines = await taken.all
        let offsets = lines.map { $0.split(separator: " ")[1] }
        #expect(lines.count == 2_000)
        #expect(Set(offsets).count == 2_000)
        #expect(lines.allSatisfy { $0.hasSuffix(" 1") })  // nothing was delivered twice
        #expect(lines.contains { $0.hasPrefix("0 ") } && lines.contains { $0.hasPrefix("1 ") })
        for consumer in consumers { await consumer.close() }
        await client.close()
    }

    @Test("release: the record comes back with delivery count 2; reject: it never comes back")
    func releaseAndReject() async throws {
        let broker = try await TestBroker(extraArguments: Self.brokerArguments)
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("jobs", partitions: 1)
        try await produce(count: 3, topic: "jobs", client: client)
        let consumer = ShareConsumer(
            client: broker.clientConfiguration(), configuration: .init(groupId: "g", acknowledgementMode: .explicit))
        try await consumer.subscribe(["jobs"])
        let first = try await poll(consumer, count: 3)
        #expect(first.map(\.offset) == [0, 1, 2] && first.allSatisfy { $0.deliveryCount == 1 })
        try await first[0].release()
        try await first[1].reject()
        try await first[2].accept()
        await #expect(throws: SpoolClientError.self) { try await first[2].accept() }  // acknowledged already

        let again = try await poll(consumer, count: 1)
        try #require(again.map(\.offset) == [0])
        #expect(again.first?.deliveryCount == 2)
        try await again[0].accept()
        let outcomes = try await consumer.commit()
        #expect(outcomes.count == 1)
        #expect(outcomes.values.allSatisfy { (try? $0.get()) != nil }, "\(outcomes)")
        await consumer.close()

        // A new member of the group sees only a record produced later: the rejected one stays gone.
        try await produce(count: 1, topic: "jobs", client: client)
        let later = ShareConsumer(client: broker.clientConfiguration(), configuration: .init(groupId: "g"))
        try await later.subscribe(["jobs"])
        var seen: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline { seen += try await later.poll(timeoutMs: 300).map(\.offset) }
        #expect(seen == [3])
        await later.close()
        await client.close()
    }

    @Test("""
        close (here by a ServiceGroup's graceful shutdown) releases what the consumer held: another member gets it \
        at once, long before the lock expires
        """)
    func closeReleases() async throws {
        let broker = try await TestBroker(extraArguments: Self.brokerArguments)  // locks last 30 s
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("held", partitions: 1)
        let holder = ShareConsumer(
            client: broker.clientConfiguration(),
            configuration: .init(groupId: "g", acknowledgementMode: .explicit, maxRecords: 10))
        let other = ShareConsumer(client: broker.clientConfiguration(), configuration: .init(groupId: "g"))
        try await holder.subscribe(["held"])
        try await other.subscribe(["held"])
        _ = try await other.poll(timeoutMs: 100)
        try await produce(count: 10, topic: "held", client: client)
        let taken = try await poll(holder, count: 10)
        #expect(taken.count == 10)
        #expect(try await other.poll(timeoutMs: 300).isEmpty)  // held by the first consumer

        let group = ServiceGroup(services: [holder], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let closedAt = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: SpoolClientError.self) { try await holder.poll(timeoutMs: 10) }
        var redelivered: [ShareConsumerRecord] = []
        for try await record in other.records {  // the AsyncSequence form
            redelivered.append(record)
            if redelivered.count == 10 { break }
        }
        #expect(redelivered.map(\.offset) == Array(0..<10))
        #expect(redelivered.allSatisfy { $0.deliveryCount == 2 })
        #expect(ContinuousClock.now - closedAt < .seconds(10))
        await other.close()
        await client.close()
    }

    @Test("implicit mode: the next poll accepts what the last one delivered, so close has nothing left to release")
    func implicitAcceptance() async throws {
        let broker = try await TestBroker(extraArguments: Self.brokerArguments)
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("implicit", partitions: 1)
        try await produce(count: 10, topic: "implicit", client: client)
        let worker = ShareConsumer(client: broker.clientConfiguration(), configuration: .init(groupId: "g"))
        try await worker.subscribe(["implicit"])
        #expect(try await poll(worker, count: 10).count == 10)
        #expect(try await worker.poll(timeoutMs: 200).isEmpty)  // carries the acceptance of the ten
        await worker.close()

        let next = ShareConsumer(client: broker.clientConfiguration(), configuration: .init(groupId: "g"))
        try await next.subscribe(["implicit"])
        #expect(try await next.poll(timeoutMs: 1_000).isEmpty)  // released ones would come back here
        await next.close()
        await client.close()
    }

    @Test("after a broker restart the consumer rejoins and opens a new share session by itself, and goes on")
    func survivesBrokerRestart() async throws {
        // Membership and share sessions live in the broker's memory: after the restart a heartbeat is answered
        // UNKNOWN_MEMBER_ID and a ShareFetch SHARE_SESSION_NOT_FOUND, which the consumer must get over.
        let settings = Self.brokerArguments + ["--set", "group.share.heartbeat.interval.ms=300"]
        let first = try await TestBroker(extraArguments: settings)
        let client = KafkaClient(configuration: first.clientConfiguration())
        try await Admin(client: client).createTopic("durable", partitions: 1)
        try await produce(count: 5, topic: "durable", client: client)
        let consumer = ShareConsumer(
            client: first.clientConfiguration(), configuration: .init(groupId: "g", fetchMaxWaitMs: 100))
        try await consumer.subscribe(["durable"])
        #expect(try await poll(consumer, count: 5).map(\.offset) == Array(0..<5))
        #expect(try await consumer.commit().values.allSatisfy { (try? $0.get()) != nil })

        first.process.terminate()
        while first.process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let second = try await TestBroker(
            extraArguments: settings + ["--data-dir", first.dataDirectory, "--listen", first.bootstrap])
        defer { Task { await second.stop() } }
        try await Task.sleep(for: .seconds(1))  // heartbeats reach the new broker before the next poll
        try await produce(count: 5, topic: "durable", client: client)
        let after = try await poll(consumer, count: 5)
        #expect(after.map(\.offset) == Array(5..<10))  // accepted records stay accepted; nothing is lost
        #expect(try await consumer.commit().values.allSatisfy { (try? $0.get()) != nil })
        await consumer.close()
        await client.close()
    }

    private func produce(count: Int, topic: String, client: KafkaClient) async throws {
        let producer = try Producer(client: client, configuration: .init(lingerMs: 1))
        try await producer.send((0..<count).map { ProducerRecord(topic: topic, value: ByteBuffer(string: "m\($0)")) }) {
            _, _ in
        }
        await producer.close()
    }

    /// Polls until `count` records came (or 15 s passed).
    private func poll(_ consumer: ShareConsumer, count: Int) async throws -> [ShareConsumerRecord] {
        var records: [ShareConsumerRecord] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(timeoutMs: 500)
        }
        return records
    }
}
