import NIOCore
import NIOPosix
import SpoolClient
import Testing

@Suite("reconnecting", .serialized, .timeLimit(.minutes(2)))
struct ReconnectTests {
    @Test("a send made while no broker listens succeeds once the broker comes up (reconnect with backoff)")
    func brokerComesLater() async throws {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress?.port ?? 0
        try await probe.close()
        let client = KafkaClient(configuration: ClientConfiguration(
            bootstrapServers: ["127.0.0.1:\(port)"], connectTimeoutMs: 500, requestTimeoutMs: 5_000,
            retryBackoffMs: 50, retryBackoffMaxMs: 400, allowAutoTopicCreation: true))
        let producer = try Producer(client: client, configuration: .init(lingerMs: 0))
        let sent = Task { try await producer.send(topic: "late", value: ByteBuffer(string: "hello")) }
        try await Task.sleep(for: .seconds(1))
        let broker = try await TestBroker(extraArguments: ["--listen", "127.0.0.1:\(port)"])
        defer { Task { await broker.stop() } }
        #expect(broker.port == port)
        let metadata = try await sent.value
        #expect(metadata.offset == 0)
        await producer.close()
        await client.close()
    }
}
