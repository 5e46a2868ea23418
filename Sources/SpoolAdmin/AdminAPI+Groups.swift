import Hummingbird
import SpoolClient
import SpoolProtocol

/// Consumer groups (members, committed offsets, lag; reset; delete) and share groups (members, per-partition
/// counts, dead-letter topic, configs).
extension AdminAPI {
    struct GroupSummary: Encodable {
        let group: String
        let state: String
        let protocolType: String
    }

    struct Member: Encodable {
        struct Assigned: Encodable {
            let topic: String
            let partition: Int32
        }

        let memberId: String
        let clientId: String
        let host: String
        let assignment: [Assigned]

        init(_ member: Admin.GroupDescription.Member) {
            memberId = member.memberId
            clientId = member.clientId
            host = member.clientHost
            assignment = member.assignment.map { Assigned(topic: $0.topic, partition: $0.partition) }
        }
    }

    struct Group: Encodable {
        let group: String
        let state: String
        let assignor: String
        let members: [Member]
        let totalLag: Int64
        let partitions: [Admin.GroupLag.Partition]
    }

    struct ResetOffsets: Decodable {
        let topic: String?
        let partitions: [Int32]?
        let to: String
        let value: Int64?
        let execute: Bool?
    }

    struct OffsetReset: Encodable {
        let group: String
        let executed: Bool
        let partitions: [Admin.OffsetResetRow]
    }

    struct SharePartition: Encodable {
        let topic: String
        let partition: Int32
        let startOffset: Int64
        let logEndOffset: Int64?
        let available: Int64?
        let acquired: Int64?
        let acknowledged: Int64?
        let archived: Int64?
        let deadLettered: Int64?
        let firstAvailableOffset: Int64?
        let oldestAvailableAgeMs: Int64?
    }

    struct ShareGroup: Encodable {
        let group: String
        let state: String
        let members: [Member]
        let deadLetterTopic: String?
        let configs: [Config]
        let partitions: [SharePartition]
    }

    func registerGroups(on api: RouterGroup<BasicRequestContext>) {
        api.get("/groups") { _, _ in JSONBody.response(try await groups { $0 != "share" }) }
        api.get("/groups/:group") { _, context in
            let name = try context.parameters.require("group")
            let lag = try await kafka("describe group \(name)") { client throws(SpoolClientError) in
                try await Admin(client: client).groupLag(name)
            }
            return JSONBody.response(
                Group(
                    group: lag.group, state: lag.state, assignor: lag.assignor, members: lag.members.map(Member.init),
                    totalLag: lag.totalLag, partitions: lag.partitions))
        }
        api.post("/groups/:group/reset-offsets") { request, context in
            let name = try context.parameters.require("group")
            let body = try await request.json(ResetOffsets.self, context: context)
            let target = try Self.resetTarget(body)
            let execute = body.execute ?? false
            let rows = try await kafka("reset the offsets of group \(name)") { client throws(SpoolClientError) in
                let admin = Admin(client: client)
                let rows = try await admin.planOffsetReset(
                    group: name, topic: body.topic, partitions: body.partitions ?? [], to: target)
                if execute { try await admin.applyOffsetReset(group: name, rows) }
                return rows
            }
            return JSONBody.response(OffsetReset(group: name, executed: execute, partitions: rows))
        }
        api.delete("/groups/:group") { _, context in
            let name = try context.parameters.require("group")
            try await kafka("delete group \(name)") { client throws(SpoolClientError) in
                try await Admin(client: client).deleteGroups([name])
            }
            return JSONBody.response(["deleted": name])
        }
    }

    func registerShareGroups(on api: RouterGroup<BasicRequestContext>) {
        registerRedrive(on: api)
        api.get("/share-groups") { _, _ in JSONBody.response(try await groups { $0 == "share" }) }
        api.get("/share-groups/:group") { _, context in
            let name = try context.parameters.require("group")
            return JSONBody.response(
                try await kafka("describe share group \(name)") { client throws(SpoolClientError) in
                    let admin = Admin(client: client)
                    let described = try await admin.describeShareGroup(name)
                    let offsets = try await admin.describeShareGroupOffsets(name)
                    let configs = try await admin.describeConfigsWithSources(group: name)
                    let deadLetters = configs.first { $0.name == "errors.deadletterqueue.topic.name" }?.value
                    return ShareGroup(
                        group: name, state: described.state, members: described.members.map(Member.init),
                        deadLetterTopic: deadLetters.flatMap { $0.isEmpty ? nil : $0 },
                        configs: configs.map(Config.init).sorted { $0.name < $1.name },
                        partitions: offsets.map { offset in
                            SharePartition(
                                topic: offset.partition.topic, partition: offset.partition.partition,
                                startOffset: offset.startOffset, logEndOffset: offset.stats?.logEndOffset,
                                available: offset.stats?.available, acquired: offset.stats?.acquired,
                                acknowledged: offset.stats?.acknowledged, archived: offset.stats?.archived,
                                deadLettered: offset.stats?.deadLettered,
                                firstAvailableOffset: offset.stats?.firstAvailableOffset,
                                oldestAvailableAgeMs: offset.stats?.oldestAvailableAgeMs)
                        })
                })
        }
    }

    /// Moves a share group's dead letters back to their source topics (what `spool queue redrive` does).
    func registerRedrive(on api: RouterGroup<BasicRequestContext>) {
        struct Moved: Encodable {
            let group: String
            let moved: Int
        }
        api.post("/share-groups/:group/redrive") { _, context in
            let name = try context.parameters.require("group")
            let moved = try await kafka("redrive the dead letters of share group \(name)") {
                client throws(SpoolClientError) in
                try await Admin(client: client).redriveDeadLetters(of: name)
            }
            return JSONBody.response(Moved(group: name, moved: moved))
        }
    }

    /// The groups whose protocol type passes `include`, sorted by id.
    private func groups(_ include: @escaping @Sendable (String) -> Bool) async throws -> [GroupSummary] {
        try await kafka("list groups") { client throws(SpoolClientError) in
            try await Admin(client: client).listGroups().filter { include($0.protocolType) }.map {
                GroupSummary(group: $0.groupId, state: $0.state, protocolType: $0.protocolType)
            }
        }
    }

    private static func resetTarget(_ body: ResetOffsets) throws -> Admin.OffsetResetTarget {
        func value() throws -> Int64 {
            guard let value = body.value else {
                throw AdminError.badRequest("\"to\": \"\(body.to)\" needs a \"value\"")
            }
            return value
        }
        switch body.to {
        case "earliest": return .earliest
        case "latest": return .latest
        case "current": return .current
        case "offset": return .offset(try value())
        case "timestamp": return .timestamp(try value())
        case "shift": return .shift(try value())
        default:
            throw AdminError.badRequest(
                "\"to\": \"\(body.to)\" is not one of earliest, latest, current, offset, timestamp, shift")
        }
    }
}
