import ArgumentParser
import Foundation
import SpoolClient

/// The options every client command shares: where the broker is and how long to wait for it.
struct ClientOptions: ParsableArguments {
    @Option(
        name: [.customShort("b"), .customLong("bootstrap-server")],
        help: "Broker HOST:PORT, comma-separated for several (env SPOOL_BOOTSTRAP_SERVER; default 127.0.0.1:9092).")
    var bootstrapServer: String?

    @Option(name: .customLong("timeout-ms"), help: "How long to wait for the broker, per request (default 10000).")
    var timeoutMs: Int64 = 10_000

    /// The broker addresses: the flag, else SPOOL_BOOTSTRAP_SERVER, else 127.0.0.1:9092.
    var servers: [String] {
        let text = bootstrapServer ?? ProcessInfo.processInfo.environment["SPOOL_BOOTSTRAP_SERVER"] ?? "127.0.0.1:9092"
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A client for the configured broker.
    /// - Parameter autoCreate: whether Metadata requests may create topics (producing, as kcat does).
    func client(autoCreate: Bool = false) throws -> KafkaClient {
        for server in servers {
            do {
                _ = try ClientConfiguration.parse(address: server)
            } catch {
                throw CLIFailure("\(error)")
            }
        }
        return KafkaClient(
            configuration: ClientConfiguration(
                bootstrapServers: servers, clientId: "spool-cli", connectTimeoutMs: min(timeoutMs, 5_000),
                requestTimeoutMs: timeoutMs, allowAutoTopicCreation: autoCreate))
    }

    /// An error for the user: what failed, the broker's error code name, and what to do about it.
    /// - Parameters:
    ///   - action: what was attempted, e.g. `create topic orders`.
    ///   - error: what went wrong.
    func failure(_ action: String, _ error: any Error) -> CLIFailure {
        guard let error = error as? SpoolClientError else { return CLIFailure("\(action) failed: \(error)") }
        let joined = servers.joined(separator: ",")
        var hint = ""
        if error.isConnectionFailure {
            hint =
                "Is a broker running at \(joined)? Start one with `spool serve`, or point -b/--bootstrap-server "
                + "(or SPOOL_BOOTSTRAP_SERVER) at it."
        } else if let code = error.kafkaErrorCode {
            switch code {
            case .unknownTopicOrPartition:
                hint = "Check the name with `spool topic list`, or create it with `spool topic create NAME`."
            case .topicAlreadyExists: hint = "Pick another name, or delete it first with `spool topic delete NAME`."
            case .invalidConfig: hint = "`spool topic describe NAME` lists the keys a topic accepts."
            case .invalidPartitions: hint = "A topic needs at least one partition; partitions can only be added."
            case .groupIdNotFound: hint = "`spool group list` shows the groups the broker knows."
            case .nonEmptyGroup: hint = "Stop the group's consumers first."
            case .transactionalIdNotFound: hint = "`spool txn list` shows the transactional ids the broker knows."
            default: break
            }
        } else if error.isTimeout {
            hint = "The broker at \(joined) did not answer in time; check that it is healthy or raise --timeout-ms."
        }
        guard let code = error.kafkaErrorCode else {
            return CLIFailure("\(action) failed: \(error)." + (hint.isEmpty ? "" : " \(hint)"))
        }
        if let message = error.brokerMessage, !message.isEmpty {
            return CLIFailure("\(action) failed: \(code): \(message)")
        }
        return CLIFailure("\(action) failed: \(code)." + (hint.isEmpty ? "" : " \(hint)"))
    }
}

/// A command's failure, printed as one line on standard error (never a stack trace); exit status 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AsyncParsableCommand {
    /// Runs `body`, printing a `CLIFailure` as `spool: <message>` and exiting 1.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CLIFailure {
            var standardError = FileHandleOutputStream()
            print("spool: \(failure)", to: &standardError)
            throw ExitCode(1)
        }
    }
}

/// Parses repeated `key=value` options.
/// - Throws: `CLIFailure` naming the option and the bad entry.
func keyValues(_ entries: [String], option: String) throws -> [(String, String)] {
    try entries.map { entry in
        guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
            throw CLIFailure("bad \(option) '\(entry)': expected KEY=VALUE")
        }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    }
}

/// Parses a time given as milliseconds since the epoch or as ISO 8601 (`2026-11-25T09:00:00Z`).
/// - Throws: `CLIFailure` naming the option and the expected forms.
func parseTimestamp(_ text: String, option: String) throws -> Int64 {
    if let milliseconds = Int64(text) { return milliseconds }
    let parser = ISO8601DateFormatter()
    for options: ISO8601DateFormatter.Options in [
        [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
    ] {
        parser.formatOptions = options
        if let date = parser.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
    }
    throw CLIFailure(
        "bad \(option) '\(text)': expected milliseconds since the epoch or ISO 8601 such as 2026-11-25T09:00:00Z")
}

/// Fails with a message about the partition, not the topic, when `partitions` names one the topic does not have
/// (the broker's UNKNOWN_TOPIC_OR_PARTITION alone would send the user off to create a topic that exists).
/// - Throws: `CLIFailure` naming the missing partitions and the topic's count; `SpoolClientError` from metadata.
func checkPartitions(_ partitions: [Int32], of topic: String, kafka: KafkaClient) async throws {
    guard !partitions.isEmpty else { return }
    let metadata: ClusterMetadata.Topic
    do {
        metadata = try await kafka.topicMetadata(topic, refresh: true)
    } catch {
        return  // a missing topic: the command's own error says so
    }
    let count = metadata.partitions.count
    let missing = partitions.filter { $0 < 0 || Int($0) >= count }
    guard !missing.isEmpty else { return }
    throw CLIFailure(
        "topic \(topic) has \(count) partition\(count == 1 ? "" : "s") (0 to \(count - 1)): there is no partition "
            + missing.map(String.init).joined(separator: ", ")
            + "; add partitions with `spool topic alter-config \(topic) --partitions N`")
}
