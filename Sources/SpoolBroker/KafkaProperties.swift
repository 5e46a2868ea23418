import Foundation

/// Reads a Kafka `server.properties` file (`spool serve --config server.properties`) into Spool's settings, so
/// that a Kafka broker's file can start Spool. Keys Spool shares with Kafka (`log.segment.bytes`,
/// `num.partitions`, `message.max.bytes`, ...) pass through; `log.dirs`, `listeners`, `advertised.listeners` and
/// `log.retention.hours|minutes` are translated; keys that only matter to a cluster (`node.id`, controller and
/// replication settings at 1) are ignored; anything else, or a value Spool cannot honour (a second listener, TLS,
/// a replication factor above 1), is refused with a message naming it. docs/server-properties.md lists the
/// mapping. Stateless and thread-safe.
enum KafkaProperties {
    /// Keys that change nothing on a single broker without a controller quorum, with values that are honoured.
    static let ignored: Set<String> = [
        "broker.id", "node.id", "process.roles", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
        "controller.listener.names", "inter.broker.listener.name", "listener.security.protocol.map",
        "num.network.threads", "num.recovery.threads.per.data.dir", "socket.send.buffer.bytes",
        "socket.receive.buffer.bytes", "log.dir",
    ]
    /// Replication settings: one broker is the whole in-sync set, so only 1 can be honoured.
    static let replicationFactors: Set<String> = [
        "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr", "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr", "default.replication.factor", "min.insync.replicas",
    ]

    /// The Spool settings a properties file sets.
    /// - Parameter path: the file.
    /// - Returns: Spool keys and their values.
    /// - Throws: `ConfigurationError` for an unreadable file, a malformed line, or a key or value Spool cannot
    ///   honour, naming it.
    static func settings(inFile path: String) throws(ConfigurationError) -> [String: String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read configuration file \(path): \(error.localizedDescription)")
        }
        return try settings(properties: try parse(text, path: path), path: path)
    }

    /// `key=value` (or `key: value`) lines; `#` and `!` start comments. Continuation lines are not read.
    static func parse(_ text: String, path: String) throws(ConfigurationError) -> [String: String] {
        var properties: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), !trimmed.hasPrefix("!") else { continue }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigurationError("line \(number + 1) of \(path) is not KEY=VALUE: '\(trimmed)'")
            }
            let key = trimmed[..<separator].trimmingCharacters(in: .whitespaces)
            properties[key] = trimmed[trimmed.index(after: separator)...].trimmingCharacters(in: .whitespaces)
        }
        return properties
    }

    /// Kafka's keys translated to Spool's.
    static func settings(properties: [String: String], path: String) throws(ConfigurationError) -> [String: String] {
        var result: [String: String] = [:]
        let controllers = Set((properties["controller.listener.names"] ?? "").split(separator: ",").map(String.init))
        for (key, value) in properties {
            switch key {
            case "log.dirs",
                "log.dir" where properties["log.dirs"] == nil:
                result["data.dir"] = value.split(separator: ",").first.map(String.init) ?? value
            case "listeners":
                result["listen"] = try listener(value, key: key, controllers: controllers, path: path)
            case "advertised.listeners":
                result["advertised.listen"] = try listener(value, key: key, controllers: controllers, path: path)
            case "log.retention.hours", "log.retention.minutes":
                // Kafka's precedence: log.retention.ms, then minutes, then hours.
                guard properties["log.retention.ms"] == nil,
                      key == "log.retention.minutes" || properties["log.retention.minutes"] == nil
                else { continue }
                guard let amount = Int64(value), amount >= -1 else {
                    throw ConfigurationError("invalid value '\(value)' for \(key) in \(path): expected an integer")
                }
                let unitMs: Int64 = key == "log.retention.hours" ? 3_600_000 : 60_000
                result["log.retention.ms"] = amount == -1 ? "-1" : String(amount * unitMs)
            case _ where replicationFactors.contains(key):
                guard value == "1" else {
                    throw ConfigurationError(
                        "\(key)=\(value) in \(path) cannot be honoured: Spool is one broker, so every replication "
                            + "factor and min.insync.replicas is 1; set it to 1 or remove it")
                }
            case _ where ignored.contains(key):
                continue
            case _ where Settings.byKey[key] != nil:
                result[key] = value
            default:
                throw ConfigurationError(
                    "Kafka setting '\(key)' in \(path) has no Spool equivalent; remove it "
                        + "(docs/server-properties.md lists the keys Spool reads)")
            }
        }
        return result
    }

    /// `PLAINTEXT://host:port` as `host:port`; the controller listeners are left out, and an empty host
    /// (`PLAINTEXT://:9092`) means every address, as in Kafka.
    static func listener(_ value: String, key: String, controllers: Set<String>, path: String)
        throws(ConfigurationError) -> String
    {
        let brokerListeners = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { entry in !controllers.contains(where: { entry.hasPrefix($0 + "://") }) }
        guard brokerListeners.count == 1, let only = brokerListeners.first else {
            throw ConfigurationError(
                "\(key)=\(value) in \(path) cannot be honoured: Spool has one listener; keep one PLAINTEXT:// entry")
        }
        guard only.hasPrefix("PLAINTEXT://") else {
            throw ConfigurationError(
                "\(key) entry '\(only)' in \(path) cannot be honoured: Spool has no TLS or SASL yet; "
                    + "use PLAINTEXT://HOST:PORT")
        }
        let address = String(only.dropFirst("PLAINTEXT://".count))
        return address.hasPrefix(":") ? "0.0.0.0" + address : address
    }
}
