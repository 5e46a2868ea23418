import ArgumentParser

/// `spool queue`: share groups (KIP-932) used as queues. Minimal here; `consume` and `redrive` join it.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with share groups as queues: describe them.",
        subcommands: [QueueDescribe.self])
}
