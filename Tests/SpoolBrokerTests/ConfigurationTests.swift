import Foundation
import Testing

@testable import SpoolBroker

@Suite struct ConfigurationTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func writeYAML(_ text: String) throws -> String {
        try write(text, fileExtension: "yaml")
    }

    static func write(_ text: String, fileExtension: String) throws -> String {
        let path = NSTemporaryDirectory() + "spool-config-\(UUID().uuidString).\(fileExtension)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("with nothing set, the defaults are Kafka's and the listener is 127.0.0.1:9092 with data in ./data")
    func defaults() async throws {
        let loaded = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: nil)
        #expect(loaded.configuration == BrokerConfiguration())
        #expect(loaded.configuration.dataDirectory == "./data")
        #expect(loaded.configuration.listen == ListenAddress(host: "127.0.0.1", port: 9092))
        #expect(loaded.configuration.logDefaults.segmentBytes == 1 << 30)
        #expect(loaded.sources.values.allSatisfy { $0 == .default })
    }

    @Test("config/spool.yaml documents every key with its default")
    func shippedFileMatchesDefaults() async throws {
        let path = Self.packageRoot + "/config/spool.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for setting in Settings.all {
            #expect(text.contains("\n\(setting.key): "), "config/spool.yaml lacks \(setting.key)")
        }
        let loaded = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: path)
        #expect(loaded.configuration == BrokerConfiguration())
        #expect(loaded.sources.values.allSatisfy { $0 == .file })
    }

    @Test("docs/topic-configs.md lists every topic config with its broker synonym and whether it acts")
    func topicConfigDocs() throws {
        let text = try String(contentsOfFile: Self.packageRoot + "/docs/topic-configs.md", encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }
        #expect(rows.count == TopicConfigs.table.count, "the page has rows for configs Spool does not have")
        for definition in TopicConfigs.table {
            let row = rows.first { $0.hasPrefix("| `\(definition.name)` |") }
            #expect(row != nil, "docs/topic-configs.md lacks \(definition.name)")
            guard let row else { continue }
            #expect(row.contains(definition.brokerSynonym.map { "| `\($0)` |" } ?? "| — |"), "\(row)")
            #expect(row.contains(definition.acts ? "| acts" : "| stored only"), "\(row)")
            #expect(row.contains("| \(definition.kafkaDefault.isEmpty ? "(empty)" : definition.kafkaDefault) |"),
                    "\(row)")
        }
    }

    @Test("precedence: flag > SPOOL_ environment > file > default")
    func precedence() async throws {
        let file = try Self.writeYAML(
            """
            listen: 127.0.0.1:1111
            log:
              segment:
                bytes: 4096
              retention:
                ms: 5000
            message.max.bytes: 2000
            """)
        let environment = ["SPOOL_LISTEN": "127.0.0.1:2222", "SPOOL_LOG_SEGMENT_BYTES": "8192", "PATH": "/bin"]
        let flags = ["listen": "127.0.0.1:3333"]
        let loaded = try await ConfigurationLoader.load(flags: flags, environment: environment, configFile: file)
        let configuration = loaded.configuration
        #expect(configuration.listen.port == 3333)
        #expect(loaded.sources["listen"] == .flag)
        #expect(configuration.logDefaults.segmentBytes == 8192)
        #expect(loaded.sources["log.segment.bytes"] == .environment)
        #expect(configuration.logDefaults.retentionMs == 5000)
        #expect(configuration.logDefaults.maxMessageBytes == 2000)
        #expect(loaded.sources["log.retention.ms"] == .file)
        #expect(configuration.logDefaults.indexIntervalBytes == 4096)
        #expect(loaded.sources["log.index.interval.bytes"] == .default)
        // The rendered configuration reads back to the same settings.
        let rendered = try Self.writeYAML(loaded.rendered)
        let again = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: rendered)
        #expect(again.configuration == configuration)
    }

    @Test("an unknown SPOOL_* variable is ignored and named in a one-line warning; a file or flag typo still fails")
    func unknownEnvironmentVariables() async throws {
        let environment = ["SPOOL_DATADIR": "x", "SPOOL_SERVICE_HOST": "10.0.0.1", "SPOOL_PORT": "tcp://10.0.0.1:9092"]
        let loaded = try await ConfigurationLoader.load(flags: [:], environment: environment, configFile: nil)
        #expect(loaded.configuration == BrokerConfiguration())
        #expect(loaded.unknownEnvironmentVariables == ["SPOOL_DATADIR", "SPOOL_PORT", "SPOOL_SERVICE_HOST"])
        let warning = try #require(loaded.unknownVariablesWarning)
        #expect(warning.contains("unknown environment variables SPOOL_DATADIR, SPOOL_PORT, SPOOL_SERVICE_HOST"))
        #expect(warning.contains("SPOOL_DATA_DIR"))
        #expect(!warning.contains("\n"))
        let clean = try await ConfigurationLoader.load(flags: [:], environment: ["PATH": "/bin"], configFile: nil)
        #expect(clean.unknownVariablesWarning == nil)

        let file = try Self.writeYAML("log.segmnt.bytes: 4096\n")
        await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: [:], environment: environment, configFile: file)
        }
        await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: ["no.such": "1"], environment: environment, configFile: nil)
        }
    }

    @Test("unknown keys and bad values stop start-up with a message naming key, value and what is allowed")
    func refusals() async throws {
        let cases: [([String: String], [String: String], String?, [String])] = [
            ([:], [:], "log.segmnt.bytes: 10\n", ["unknown configuration key 'log.segmnt.bytes'", "known keys"]),
            ([:], [:], "log.segment.bytes: 12\n", ["'12'", "log.segment.bytes", "1024 to 2147483647"]),
            ([:], [:], "log.segment.bytes: lots\n", ["'lots'", "log.segment.bytes", "integer"]),
            ([:], ["SPOOL_LOG_RETENTION_MS": "-5"], nil, ["'-5'", "log.retention.ms", "-1 to"]),
            (["listen": "localhost"], [:], nil, ["'localhost'", "listen", "HOST:PORT"]),
            (["listen": "127.0.0.1:70000"], [:], nil, ["'127.0.0.1:70000'", "0 to 65535"]),
            (["log.message.timestamp.type": "Now"], [:], nil, ["'Now'", "CreateTime or LogAppendTime"]),
            (["no.such": "1"], [:], nil, ["unknown configuration key 'no.such'"]),
        ]
        for (flags, environment, yaml, fragments) in cases {
            let file = try yaml.map(Self.writeYAML)
            do {
                _ = try await ConfigurationLoader.load(flags: flags, environment: environment, configFile: file)
                Issue.record("accepted \(flags) \(environment) \(yaml ?? "")")
            } catch let error as ConfigurationError {
                for fragment in fragments {
                    #expect(error.message.contains(fragment), "\(error.message) lacks \(fragment)")
                }
            }
        }
    }
}
