// SpoolClient as a library: create a topic, produce three records, consume them in a consumer group.
// Start a broker (`spool serve`), then `swift run spool-client-example [host:port]`.
import NIOCore
import SpoolClient

let bootstrap = CommandLine.arguments.dropFirst().first ?? "127.0.0.1:9092"
// One client holds the connections and metadata; the admin, producer and consumer share it.
let client = KafkaClient(configuration: ClientConfiguration(bootstrapServers: [bootstrap]))

// Admin: create the topic; a second run finds it there.
do {
    try await Admin(client: client).createTopic("greetings", partitions: 3)
} catch {
    guard error.kafkaErrorCode == .topicAlreadyExists else { throw error }
    print("topic greetings exists already")
}

// Produce: `send` returns once the broker has acknowledged the record.
let producer = try Producer(client: client)
for name in ["Ada", "Grace", "Edsger"] {
    let written = try await producer.send(
        topic: "greetings", key: ByteBuffer(string: name), value: ByteBuffer(string: "hello, \(name)"))
    print("sent \(name) to partition \(written.partition) at offset \(written.offset)")
}
await producer.close()

// Consume in a group: members share the partitions, and `close` commits the positions and leaves the group,
// so a second run starts after the records this one read.
let consumer = Consumer(
    client: client, configuration: ConsumerConfiguration(groupId: "greeters", autoOffsetReset: .earliest))
try await consumer.subscribe(["greetings"])
var received = 0
let deadline = ContinuousClock.now + .seconds(30)
while received < 3 && ContinuousClock.now < deadline {
    for record in try await consumer.poll(timeoutMs: 1_000) {
        print("received \(String(buffer: record.value ?? ByteBuffer())) from partition \(record.partition)")
        received += 1
    }
}
await consumer.close()
await client.close()
print(received == 3 ? "done" : "only \(received) of 3 records arrived")
