import ArgumentParser
import SpoolClient

/// `spool queue redrive GROUP`: moves a share group's dead letters back to their source topics
/// (`Admin.redriveDeadLetters`, which the admin API's redrive uses too).
struct QueueRedrive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive", abstract: "Move a share group's dead letters back to their source topics.",
        discussion: """
            Progress is committed as the offsets of the consumer group spool-redrive.<GROUP> on the dead-letter
            topic, so a rerun continues where the last one stopped. At least once: a run killed mid-way may append
            its last records again on the next run.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The share group's id.") var group: String

    func run() async throws {
        try await reportingFailures {
            let kafka = try client.client()
            defer { Task { await kafka.close() } }
            do {
                let moved = try await Admin(client: kafka).redriveDeadLetters(of: group)
                print("moved \(moved) dead letters of share group \(group)")
            } catch let failure as CLIFailure {
                throw failure
            } catch {
                throw client.failure("redrive share group \(group)", error)
            }
        }
    }
}
