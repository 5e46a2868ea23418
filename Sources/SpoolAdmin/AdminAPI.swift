import Foundation
import Hummingbird
import NIOCore
import SpoolBroker
import SpoolClient

/// The JSON API under `/api` (docs/admin-api.md). Every change and every Kafka-visible answer goes through the
/// broker's Kafka handlers, as SpoolClient requests on the broker's own listener: the same validation, limits
/// and error codes as any Kafka client gets, from one implementation. Offsets, sizes and segments of the logs
/// are read in-process, where the Kafka protocol has no field for them.
struct AdminAPI: Sendable {
    let state: AdminState

    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("/api")
        api.get("/openapi.json") { _, _ in
            JSONBody.text(OpenAPIDocument.json, contentType: "application/json; charset=utf-8")
        }
        api.get("/broker") { _, _ in try await broker() }
        api.get("/config") { _, _ in JSONBody.response(try openBroker().settingDescriptions) }
        registerTopics(on: api)
        registerRecords(on: api)
        registerGroups(on: api)
        registerShareGroups(on: api)
    }

    /// The opened broker, or 503 while it recovers.
    func openBroker() throws -> Broker {
        guard let broker = state.broker else {
            throw AdminError.unavailable("the broker is still opening its data directory (recovering logs)")
        }
        return broker
    }

    /// Runs `body` with the Kafka client, turning a Kafka refusal into the status that fits it.
    func kafka<T: Sendable>(
        _ action: String, _ body: (KafkaClient) async throws(SpoolClientError) -> T
    ) async throws -> T {
        let client = try state.kafkaClient()
        do {
            return try await body(client)
        } catch {
            throw AdminError.kafka(error, doing: action)
        }
    }

    private func broker() async throws -> Response {
        struct Answer: Encodable {
            let version: String
            let clusterId: String
            let startedAtMs: Int64
            let uptimeSeconds: Int64
            let phase: String
            let dataDir: String
            let kafkaListener: String
            let adminListener: String
            let disk: Disk?
            let topics: Int
            let partitions: Int
        }
        struct Disk: Encodable {
            let totalBytes: Int64
            let freeBytes: Int64
            let logBytes: Int64
        }
        let broker = try openBroker()
        let partitions = await broker.partitionSummaries()
        let disk = await broker.diskUsage()
        let configuration = broker.configuration
        return JSONBody.response(
            Answer(
                version: SpoolVersion.current, clusterId: broker.clusterId,
                startedAtMs: Int64(state.startedAt.timeIntervalSince1970 * 1000),
                uptimeSeconds: Int64(Date().timeIntervalSince(state.startedAt)), phase: state.phase.rawValue,
                dataDir: configuration.dataDirectory,
                kafkaListener: ListenAddress(
                    host: configuration.listen.host, port: broker.listenerPort ?? configuration.listen.port
                ).description,
                adminListener: ListenAddress(
                    host: configuration.adminListen.host, port: state.adminPort ?? configuration.adminListen.port
                ).description,
                disk: disk.map {
                    Disk(totalBytes: $0.totalBytes, freeBytes: $0.freeBytes,
                         logBytes: partitions.reduce(0) { $0 + $1.sizeBytes })
                },
                topics: Set(partitions.map(\.topic)).count, partitions: partitions.count))
    }
}

extension Request {
    /// The request's JSON body as `T`, or 400 saying what was wrong with it.
    func json<T: Decodable>(_ type: T.Type, context: BasicRequestContext) async throws -> T {
        do {
            return try await decode(as: type, context: context)
        } catch {
            throw AdminError.badRequest("the request body is not the JSON this endpoint takes (\(error)); "
                + "/api/openapi.json describes it")
        }
    }

    /// An integer query parameter, or 400 when present and not an integer.
    func integer<T: FixedWidthInteger>(_ name: String, as type: T.Type = Int64.self) throws -> T? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = T(text) else {
            throw AdminError.badRequest("query parameter \(name)=\(text) is not an integer")
        }
        return value
    }
}
