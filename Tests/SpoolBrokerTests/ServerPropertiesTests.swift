import Foundation
@testable import SpoolBroker
import Testing

/// `spool serve --config server.properties`: Kafka's own file starts Spool, its keys mapped onto Spool's settings,
/// and what one broker cannot honour is refused by name.
@Suite struct ServerPropertiesTests {
    /// Kafka 4's stock config/server.properties (KRaft, one combined node), comments shortened.
    static let kafkaStock = """
        # The role of this server.
        process.roles=broker,controller
        node.id=1
        controller.quorum.bootstrap.servers=localhost:9093
        listeners=PLAINTEXT://:9092,CONTROLLER://:9093
        inter.broker.listener.name=PLAINTEXT
        advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
        controller.listener.names=CONTROLLER
        listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT
        num.network.threads=3
        num.io.threads=8
        socket.send.buffer.bytes=102400
        socket.receive.buffer.bytes=102400
        socket.request.max.bytes=104857600
        log.dirs=/tmp/kraft-combined-logs,/tmp/second
        num.partitions=1
        num.recovery.threads.per.data.dir=1
        offsets.topic.replication.factor=1
        share.coordinator.state.topic.replication.factor=1
        share.coordinator.state.topic.min.isr=1
        transaction.state.log.replication.factor=1
        transaction.state.log.min.isr=1
        log.retention.hours=168
        log.segment.bytes=1073741824
        log.retention.check.interval.ms=300000

        """

    static func write(_ text: String) throws -> String {
        try ConfigurationTests.write(text, fileExtension: "properties")
    }

    @Test("Kafka's stock server.properties loads: log.dirs, listeners and log.retention.hours mapped")
    func kafkaStockFile() async throws {
        let file = try Self.write(Self.kafkaStock + "log.retention.minutes=90\nnum.partitions=3\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let loaded = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: file)
        let configuration = loaded.configuration
        #expect(configuration.dataDirectory == "/tmp/kraft-combined-logs")
        #expect(configuration.listen == ListenAddress(host: "0.0.0.0", port: 9092))
        #expect(configuration.advertisedListen == ListenAddress(host: "localhost", port: 9092))
        #expect(configuration.logDefaults.retentionMs == 90 * 60_000, "minutes win over hours, as in Kafka")
        #expect(configuration.defaultPartitions == 3)
        #expect(configuration.ioThreads == 8)
        #expect(loaded.sources["listen"] == .file)
        let flagged = try await ConfigurationLoader.load(
            flags: ["listen": "127.0.0.1:1234"], environment: [:], configFile: file)
        #expect(flagged.configuration.listen == ListenAddress(host: "127.0.0.1", port: 1234), "flags still win")
    }

    @Test("what one broker cannot honour is refused with a message naming the key and the file")
    func refusals() async throws {
        let cases: [(String, [String])] = [
            ("zookeeper.connect=localhost:2181\n", ["'zookeeper.connect'", "no Spool equivalent"]),
            ("offsets.topic.replication.factor=3\n", ["offsets.topic.replication.factor=3", "cannot be honoured"]),
            ("listeners=SSL://:9093\n", ["SSL://:9093", "no TLS"]),
            ("listeners=PLAINTEXT://:9092,INTERNAL://:9094\n", ["one listener"]),
            ("log.segment.bytes=12\n", ["'12'", "log.segment.bytes"]),
            ("just a line\n", ["line 1", "KEY=VALUE"]),
        ]
        for (text, fragments) in cases {
            let file = try Self.write(text)
            defer { try? FileManager.default.removeItem(atPath: file) }
            do {
                _ = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: file)
                Issue.record("accepted \(text)")
            } catch let error as ConfigurationError {
                // A bad value of a shared key is checked as in YAML, whose message names the key, not the file.
                let named = text.hasPrefix("log.segment.bytes") ? fragments : fragments + [file]
                for fragment in named {
                    #expect(error.message.contains(fragment), "\(error.message) lacks \(fragment)")
                }
            }
        }
    }
}
