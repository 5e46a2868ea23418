import ArgumentParser

/// `spool queue`: share groups (KIP-932) used as queues. A minimal group here; other queue words join it.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with share groups as queues: configs, dead letters.",
        subcommands: [QueueConfig.self, QueueRedrive.self])
}
