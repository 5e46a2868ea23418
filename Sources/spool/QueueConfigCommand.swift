import ArgumentParser
import SpoolClient

/// `spool queue config GROUP [--set k=v] [--delete k]`: shows and changes a share group's configs through
/// IncrementalAlterConfigs and DescribeConfigs on the GROUP resource (type 32), as Kafka's
/// `kafka-configs --entity-type groups` does.
struct QueueConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change a share group's configs (lock duration, delivery limit, dead-letter topic...).",
        discussion: """
            Examples:
              spool queue config orders-workers
              spool queue config orders-workers --set share.delivery.count.limit=3 \\
                  --set errors.deadletterqueue.topic.name=dlq.orders --set share.redelivery.backoff.ms=1000
              spool queue config orders-workers --delete share.redelivery.backoff.ms
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The share group's id.") var group: String
    @Option(help: "A config to set, KEY=VALUE (repeatable).") var set: [String] = []
    @Option(help: "A config key to return to the broker's default (repeatable).") var delete: [String] = []
    @Option(help: "table or json.") var format: OutputFormat = .table

    /// One config as printed.
    struct Entry: Encodable {
        var name: String
        var value: String?
        var source: String
    }

    func run() async throws {
        try await reportingFailures {
            let settings = Dictionary(try keyValues(set, option: "--set"), uniquingKeysWith: { $1 })
            let kafka = try client.client()
            defer { Task { await kafka.close() } }
            let admin = Admin(client: kafka)
            do {
                if !settings.isEmpty || !delete.isEmpty {
                    try await admin.alterConfigs(group: group, set: settings, delete: delete)
                }
                let entries = try await admin.describeConfigsWithSources(group: group).map {
                    Entry(name: $0.name, value: $0.value, source: $0.source.description)
                }
                switch format {
                case .json: try printJSON(entries)
                case .table:
                    print(Table(
                        headers: ["CONFIG", "VALUE", "SOURCE"],
                        rows: entries.map { [$0.name, $0.value ?? "-", $0.source] }).render())
                }
            } catch {
                throw client.failure("configs of share group \(group)", error)
            }
        }
    }
}
