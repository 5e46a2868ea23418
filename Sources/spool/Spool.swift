import ArgumentParser
import SpoolBroker

/// The `spool` command: a durable, Kafka-compatible log broker.
@main
struct Spool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "A durable, Kafka-compatible log broker.",
        version: SpoolVersion.current,
        subcommands: [
            Serve.self, Topic.self, Produce.self, Consume.self, Group.self, Queue.self, Txn.self, User.self, Acl.self,
            Bench.self, Cluster.self, AdminCommand.self,
        ],
        defaultSubcommand: nil)
}
