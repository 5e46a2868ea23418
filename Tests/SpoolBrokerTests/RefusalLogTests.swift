import NIOCore
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// What the broker logs about clients: refusals get one line naming the client, the request and the reason, at most
/// `log.refusals.per.second` of them; a client that goes away gets none above debug.
@Suite struct RefusalLogTests {
    @Test("a client that resets its connection is not a warning; a refused config is one line naming client and reason")
    func disconnectsQuietRefusalsNamed() async throws {
        let broker = try await SeededBroker.start()
        let mark = broker.logMark
        for _ in 0..<5 {
            let connection = try BlockingKafkaConnection(port: broker.port)
            _ = try connection.roundTrip(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self)
            connection.reset()
        }
        let connection = try BlockingKafkaConnection(port: broker.port)
        let created = try connection.roundTrip(
            CreateTopicsRequest(topics: [
                .init(name: "refused", numPartitions: 1, replicationFactor: 1,
                      configs: [.init(name: "retention.ms", value: "forever")]),
            ]), version: 5, as: CreateTopicsResponse.self)
        #expect(created.topics.first?.errorCode == KafkaErrorCode.invalidConfig.rawValue)
        try await Task.sleep(for: .milliseconds(300))
        let lines = broker.log(since: mark).split(separator: "\n")
        let warnings = lines.filter { $0.contains(" warning ") }
        #expect(!warnings.contains { $0.contains("reset by peer") || $0.contains("closing connection") },
                "disconnects logged as warnings: \(warnings)")
        let refusals = warnings.filter { $0.contains("refused a request") }
        #expect(refusals.count == 1, "\(warnings)")
        let line = String(refusals.first ?? "")
        for part in ["clientId=bad-input-tests", "CreateTopics v5", "topic \"refused\"", "retention.ms",
                     "127.0.0.1:\(connection.localPort)"]
        {
            #expect(line.contains(part), "\(part) missing from: \(line)")
        }
        try await broker.stop()
    }

    @Test("refusal lines are rate-limited, and the next line says how many were left out")
    func rateLimited() async throws {
        let broker = try await SeededBroker.start(extraArguments: ["--set", "log.refusals.per.second=3"])
        let mark = broker.logMark
        let connection = try BlockingKafkaConnection(port: broker.port)
        let start = ContinuousClock.now
        for index in 0..<40 {
            let request = CreateTopicsRequest(topics: [
                .init(name: "bad-\(index)", numPartitions: 1, replicationFactor: 1,
                      configs: [.init(name: "segment.ms", value: "soon")]),
            ])
            _ = try connection.roundTrip(request, version: 5, as: CreateTopicsResponse.self)
        }
        let elapsed = ContinuousClock.now - start
        try await Task.sleep(for: .milliseconds(1100))
        _ = try connection.roundTrip(
            CreateTopicsRequest(topics: [
                .init(name: "bad-last", numPartitions: 1, replicationFactor: 1,
                      configs: [.init(name: "segment.ms", value: "soon")]),
            ]), version: 5, as: CreateTopicsResponse.self)
        try await Task.sleep(for: .milliseconds(300))
        let refusals = broker.log(since: mark).split(separator: "\n").filter { $0.contains("refused a request") }
        // 3 a second: the 40 took `elapsed`, so at most 3 per started second, plus the last one.
        let seconds = Int(elapsed.components.seconds) + 1
        #expect(refusals.count <= 3 * seconds + 1, "\(refusals.count) lines in \(elapsed)")
        #expect(refusals.count < 41, "every refusal was logged: no limit")
        let last = String(refusals.last ?? "")
        #expect(last.contains("bad-last") && last.contains("similarLinesSuppressed="), "\(last)")
        try await broker.stop()
    }
}
