import SpoolProtocol
import Testing

@testable import SpoolBroker

/// AlterConfigs (33) through the router at every advertised version: whole-set semantics (the named configs
/// replace all of a topic's overrides), validate_only, and per-resource errors.
@Suite struct AlterConfigsTests {
    typealias Resource = AlterConfigsRequest.AlterConfigsResource

    static func topic(_ name: String, _ configs: [String: String?]) -> Resource {
        Resource(resourceType: 2, resourceName: name,
                 configs: configs.map { AlterConfigsRequest.AlterableConfig(name: $0.key, value: $0.value) })
    }

    @Test("the configs named replace all of a topic's overrides at every version; the rest return to default")
    func wholeSetAtEveryVersion() async throws {
        let broker = try await RoutedBroker()
        let catalog = broker.broker.partitions.catalog
        for version in try #require(broker.router.registry.versions(of: .alterConfigs)) {
            let name = "whole-v\(version)"
            _ = try await catalog.createTopic(
                name: name, partitions: 1, configs: ["retention.ms": "60000", "segment.ms": "3600000"])
            // A null value is left out, as Kafka leaves it out: segment.ms goes back to its default too.
            let request = AlterConfigsRequest(resources: [
                Self.topic(name, ["retention.bytes": "1048576", "retention.ms": "120000", "segment.ms": nil]),
            ])
            let response = try await broker.call(request, version: version, as: AlterConfigsResponse.self)
            #expect(response.responses.map(\.errorCode) == [0], "v\(version): \(response)")
            #expect(response.responses.first?.resourceName == name)
            #expect(catalog.topic(name)?.metadata.configs == ["retention.bytes": "1048576", "retention.ms": "120000"])

            let clear = AlterConfigsRequest(resources: [Self.topic(name, [:])])
            let cleared = try await broker.call(clear, version: version, as: AlterConfigsResponse.self)
            #expect(cleared.responses.map(\.errorCode) == [0], "v\(version)")
            #expect(catalog.topic(name)?.metadata.configs == [:], "v\(version)")
        }
        try await broker.stop()
    }

    @Test("validate_only checks the whole set and changes nothing")
    func validateOnly() async throws {
        let broker = try await RoutedBroker()
        let catalog = broker.broker.partitions.catalog
        _ = try await catalog.createTopic(name: "t", partitions: 1, configs: ["retention.ms": "60000"])
        var request = AlterConfigsRequest(resources: [Self.topic("t", ["retention.bytes": "1000"])])
        request.validateOnly = true
        let valid = try await broker.call(request, version: 1, as: AlterConfigsResponse.self)
        #expect(valid.responses.map(\.errorCode) == [0])
        request.resources = [Self.topic("t", ["retention.bytes": "lots"])]
        let invalid = try await broker.call(request, version: 1, as: AlterConfigsResponse.self)
        #expect(invalid.responses.map(\.errorCode) == [KafkaErrorCode.invalidConfig.rawValue])
        #expect(catalog.topic("t")?.metadata.configs == ["retention.ms": "60000"])
        try await broker.stop()
    }

    @Test("each resource gets its own answer: bad values, unknown keys, brokers, missing topics, duplicates")
    func perResourceErrors() async throws {
        let broker = try await RoutedBroker()
        let catalog = broker.broker.partitions.catalog
        for name in ["a", "b", "c"] {
            _ = try await catalog.createTopic(name: name, partitions: 1, configs: ["retention.ms": "60000"])
        }
        let broker4 = Resource(resourceType: 4, resourceName: "1",
                               configs: [.init(name: "num.partitions", value: "3")])
        let twice = Resource(
            resourceType: 2, resourceName: "c",
            configs: [.init(name: "retention.ms", value: "1"), .init(name: "retention.ms", value: "2")])
        let request = AlterConfigsRequest(resources: [
            Self.topic("a", ["retention.ms": "-5"]),
            Self.topic("b", ["no.such.config": "1"]),
            broker4,
            Self.topic("missing", ["retention.ms": "1000"]),
            twice,
            Self.topic("ok-after-errors", [:]),
        ])
        _ = try await catalog.createTopic(name: "ok-after-errors", partitions: 1, configs: ["segment.ms": "60000"])
        let response = try await broker.call(request, version: 2, as: AlterConfigsResponse.self)
        #expect(response.responses.map(\.errorCode) == [40, 40, 42, 3, 42, 0])
        #expect(response.responses[1].errorMessage?.contains("no.such.config") == true)
        #expect(response.responses[2].errorMessage?.contains("read-only") == true)
        // A refused resource keeps its overrides; the valid one beside them is applied.
        for name in ["a", "b", "c"] { #expect(catalog.topic(name)?.metadata.configs == ["retention.ms": "60000"]) }
        #expect(catalog.topic("ok-after-errors")?.metadata.configs == [:])
        try await broker.stop()
    }
}
