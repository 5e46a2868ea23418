import Hummingbird
import SpoolBroker
import SpoolClient
import SpoolLog

/// Topics: list, create, describe (partitions and configs with their sources), delete, alter configs, grow.
extension AdminAPI {
    struct TopicSummary: Encodable {
        let name: String
        let topicId: String
        let partitions: Int
        let records: Int64
        let sizeBytes: Int64
    }

    struct Config: Encodable {
        let name: String
        let value: String?
        let source: String
        let readOnly: Bool
        let sensitive: Bool

        init(_ entry: Admin.SourcedConfigEntry) {
            name = entry.name
            value = entry.isSensitive ? nil : entry.value
            source = entry.source.description
            readOnly = entry.readOnly
            sensitive = entry.isSensitive
        }
    }

    struct PartitionRow: Encodable {
        let partition: Int32
        let logStartOffset: Int64
        let logEndOffset: Int64
        let records: Int64
        let sizeBytes: Int64
        let segments: Int
        let cleaner: CleanerPartitionStatus?
    }

    struct Topic: Encodable {
        let name: String
        let topicId: String
        let partitions: [PartitionRow]
        let configs: [Config]
    }

    struct CreateTopic: Decodable {
        let name: String
        let partitions: Int32?
        let configs: [String: String]?
    }

    struct AlterConfigs: Decodable {
        let set: [String: String]?
        let delete: [String]?
    }

    struct GrowPartitions: Decodable {
        let count: Int32
    }

    func registerTopics(on api: RouterGroup<BasicRequestContext>) {
        api.get("/topics") { _, _ in
            let broker = try openBroker()
            let topics = try await kafka("list topics") { client throws(SpoolClientError) in
                try await Admin(client: client).listTopics()
            }
            var byTopic: [String: [PartitionSummary]] = [:]
            for summary in await broker.partitionSummaries() { byTopic[summary.topic, default: []].append(summary) }
            return JSONBody.response(
                topics.sorted { $0.name < $1.name }.map { topic in
                    let partitions = byTopic[topic.name] ?? []
                    return TopicSummary(
                        name: topic.name, topicId: topic.topicId, partitions: topic.partitions.count,
                        records: partitions.reduce(0) { $0 + ($1.logEndOffset - $1.logStartOffset) },
                        sizeBytes: partitions.reduce(0) { $0 + $1.sizeBytes })
                })
        }
        api.post("/topics") { request, context in
            let body = try await request.json(CreateTopic.self, context: context)
            try await kafka("create topic \(body.name)") { client throws(SpoolClientError) in
                try await Admin(client: client).createTopic(
                    body.name, partitions: body.partitions ?? -1, configs: body.configs ?? [:])
            }
            return JSONBody.response(try await topic(body.name), status: .created)
        }
        api.get("/topics/:topic") { _, context in
            JSONBody.response(try await topic(try context.parameters.require("topic")))
        }
        api.delete("/topics/:topic") { _, context in
            let name = try context.parameters.require("topic")
            try await kafka("delete topic \(name)") { client throws(SpoolClientError) in
                try await Admin(client: client).deleteTopics([name])
            }
            return JSONBody.response(["deleted": name])
        }
        api.patch("/topics/:topic/configs") { request, context in
            let name = try context.parameters.require("topic")
            let body = try await request.json(AlterConfigs.self, context: context)
            try await kafka("alter the configs of topic \(name)") { client throws(SpoolClientError) in
                try await Admin(client: client).alterConfigs(topic: name, set: body.set ?? [:], delete: body.delete ?? [])
            }
            return JSONBody.response(try await topic(name))
        }
        api.post("/topics/:topic/partitions") { request, context in
            let name = try context.parameters.require("topic")
            let body = try await request.json(GrowPartitions.self, context: context)
            try await kafka("add partitions to topic \(name)") { client throws(SpoolClientError) in
                try await Admin(client: client).createPartitions(topic: name, totalCount: body.count)
            }
            return JSONBody.response(try await topic(name))
        }
    }

    /// A topic with its partitions' offsets, sizes and segments, and its configs with their sources.
    func topic(_ name: String) async throws -> Topic {
        let broker = try openBroker()
        let (metadata, configs) = try await kafka("describe topic \(name)") { client throws(SpoolClientError) in
            let admin = Admin(client: client)
            return (try await admin.describeTopic(name), try await admin.describeConfigsWithSources(topic: name))
        }
        let partitions = await broker.partitionSummaries(topic: name).map {
            PartitionRow(
                partition: $0.partition, logStartOffset: $0.logStartOffset, logEndOffset: $0.logEndOffset,
                records: $0.logEndOffset - $0.logStartOffset, sizeBytes: $0.sizeBytes, segments: $0.segments,
                cleaner: $0.cleaner)
        }
        return Topic(
            name: metadata.name, topicId: metadata.topicId, partitions: partitions,
            configs: configs.map(Config.init).sorted { $0.name < $1.name })
    }
}
