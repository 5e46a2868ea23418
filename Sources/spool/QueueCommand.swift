import ArgumentParser
import SpoolClient

/// `spool queue`: share groups (KIP-932) used as queues — workers take messages, acknowledge them, and what a
/// worker gives back or leaves behind goes to another.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Use a topic as a queue through a share group (KIP-932): consume, describe, configs, dead letters.",
        // One line per subcommand, each in its own file (QueueConsume.swift-style), so that adding one is one line.
        subcommands: [
            QueueConsume.self,
            QueueConfig.self,
            QueueRedrive.self,
            QueueDescribe.self,
        ])
}

/// `spool queue consume GROUP TOPIC`: a worker of a share group that prints each message it takes and
/// acknowledges it (accept, or release / reject to test redelivery and poison messages).
struct QueueConsume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Take messages from a topic as a worker of a share group, print and acknowledge them.",
        discussion: """
            Joins the share group GROUP (KIP-932) subscribed to TOPIC: every member takes records from every \
            partition, each record goes to one member at a time. Each message taken is printed as `spool consume` \
            prints records (--format text, json, or a format string with %t %p %o %T %k %v %h %K %S, and %d for \
            the delivery count) and then \
            acknowledged: accepted (done, never delivered again) by default; with --release it is given back and \
            delivered again, to any member, with a higher delivery count; with --reject it is never delivered \
            again (dead-lettered when the group names a dead-letter topic). Messages taken but not printed (past \
            --count) are released on exit. Stops after --count messages, with --exit-when-idle when no message \
            came for --idle-ms, or on Ctrl-C. Where a new group starts is the group's share.auto.offset.reset \
            (the broker's group.share.auto.offset.reset by default: latest).

            Examples:
              spool queue consume workers orders
              spool queue consume workers orders --count 10 --format '%o %v (delivery %d)\\n'
              spool queue consume workers orders --reject --count 1     # a poison message
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "The share group.") var group: String
    @Argument(help: "The topic.") var topic: String
    @Flag(help: "Release each message (it is delivered again) instead of accepting it.") var release = false
    @Flag(help: "Reject each message (never delivered again) instead of accepting it.") var reject = false
    @Option(help: "Stop after this many messages.") var count: Int?
    @Flag(help: "Stop when no message came for --idle-ms.") var exitWhenIdle = false
    @Option(help: "How long without a message counts as idle, in ms (with --exit-when-idle).") var idleMs: Int64 = 2_000
    @Option(help: "Messages one fetch may take (ShareFetch MaxRecords).") var maxRecords: Int32 = 500
    @Option(help: "text (the value), json, or a format string (%t %p %o %T %k %v %h %K %S, %d delivery count).")
    var format = "text"
    @Option(help: "How keys are written: raw, base64 or hex.") var keyEncoding: ByteEncoding = .raw
    @Option(help: "How values and header values are written: raw, base64 or hex.")
    var valueEncoding: ByteEncoding = .raw
    @Option(help: "What follows each value with --format text (escapes like \\n allowed).") var delimiter = "\\n"

    func validate() throws {
        guard !(release && reject) else { throw ValidationError("choose one of --release and --reject") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard idleMs >= 1 else { throw ValidationError("--idle-ms must be at least 1") }
        guard maxRecords >= 1 else { throw ValidationError("--max-records must be at least 1") }
    }

    var acknowledgement: AcknowledgeType { release ? .release : reject ? .reject : .accept }

    func run() async throws {
        try await reportingFailures {
            let kafka = try client.client()
            let consumer = ShareConsumer(
                client: kafka,
                configuration: .init(groupId: group, acknowledgementMode: .explicit, maxRecords: maxRecords))
            do {
                try await consumer.subscribe([topic])
                try await work(consumer)
                try await reportAcknowledgements(await consumer.commit())
            } catch {
                await consumer.close()
                await kafka.close()
                if error is CLIFailure { throw error }
                throw client.failure("consume from \(topic) in share group \(group)", error)
            }
            await consumer.close()
            await kafka.close()
        }
    }

    /// Takes, prints and acknowledges messages until the count, idleness or a stop signal.
    private func work(_ consumer: ShareConsumer) async throws {
        let stop = StopSignal()
        let output = StandardOutput()
        let recordFormat = RecordFormat(format)
        let terminator = unescaped(delimiter)
        var taken = 0
        var lastMessage = ContinuousClock.now
        defer { try? output.flush() }
        while !stop.isStopped {
            if output.readerHasGone { return }
            let records = try await consumer.poll(timeoutMs: min(500, idleMs))
            if records.isEmpty {
                if exitWhenIdle, ContinuousClock.now - lastMessage >= .milliseconds(idleMs) { return }
                continue
            }
            lastMessage = .now
            let wanted = count.map { Array(records.prefix($0 - taken)) } ?? records
            for record in wanted {
                try output.write(recordFormat.render(
                    record.record, key: keyEncoding, value: valueEncoding, delimiter: terminator,
                    deliveryCount: record.deliveryCount))
            }
            try output.flush()
            try await consumer.acknowledge(wanted, as: acknowledgement)
            taken += wanted.count
            if let count, taken >= count { return }
        }
    }

    /// Fails when the broker refused an acknowledgement (e.g. a lock expired before it arrived).
    private func reportAcknowledgements(_ outcomes: [TopicPartition: Result<Void, SpoolClientError>]) throws {
        let failed = outcomes.compactMap { partition, outcome -> String? in
            guard case .failure(let error) = outcome else { return nil }
            return "\(partition): \(error)"
        }
        guard failed.isEmpty else {
            throw CLIFailure(
                "acknowledgements refused (the messages will be delivered again): "
                    + failed.sorted().joined(separator: "; "))
        }
    }
}
