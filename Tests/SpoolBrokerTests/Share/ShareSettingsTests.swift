import Testing

@testable import SpoolBroker

@Suite("Share-group settings")
struct ShareSettingsTests {
    @Test("The share settings default to Kafka's values and feed the share-partition policy")
    func defaults() {
        let configuration = BrokerConfiguration()
        #expect(configuration.shareRecordLockDurationMs == 30_000)
        #expect(configuration.shareDeliveryCountLimit == 5)
        #expect(configuration.sharePartitionMaxRecordLocks == 2000)
        #expect(configuration.shareMaxSessions == 2000)
        #expect(configuration.sharePartitionPolicy == SharePartitionPolicy())
    }

    @Test("Each share setting is read by its Kafka name and refused outside its range")
    func parsed() async throws {
        let loaded = try await ConfigurationLoader.load(
            flags: [
                "group.share.record.lock.duration.ms": "15000", "group.share.delivery.count.limit": "7",
                "group.share.partition.max.record.locks": "5000", "group.share.max.share.sessions": "10",
            ],
            environment: [:], configFile: nil)
        let configuration = loaded.configuration
        #expect(configuration.shareRecordLockDurationMs == 15_000 && configuration.shareMaxSessions == 10)
        #expect(configuration.sharePartitionPolicy.deliveryCountLimit == 7)
        #expect(configuration.sharePartitionPolicy.maximumRecordLocks == 5000)
        for (key, value) in [
            ("group.share.delivery.count.limit", "1"), ("group.share.partition.max.record.locks", "0"),
            ("group.share.max.share.sessions", "-1"), ("group.share.record.lock.duration.ms", "10"),
        ] {
            await #expect(throws: ConfigurationError.self) {
                try await ConfigurationLoader.load(flags: [key: value], environment: [:], configFile: nil)
            }
        }
    }
}
