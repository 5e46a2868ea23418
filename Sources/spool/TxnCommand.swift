import ArgumentParser
import Foundation
import SpoolClient

/// `spool txn`: list, describe and abort transactions, and show the producers a partition remembers.
struct Txn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, describe and abort transactions; show a partition's producers.",
        subcommands: [List.self, Describe.self, Producers.self, Abort.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List transactional ids with their producer id and state.",
            discussion: """
                States are Kafka's: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort.
                Examples:
                  spool txn list
                  spool txn list --state Ongoing --min-duration 5m
                  spool txn list --format json
                """)

        @OptionGroup var client: ClientOptions
        @Option(help: "Only transactions in this state (repeatable; case does not matter).") var state: [String] = []
        @Option(help: "Only transactions open longer than this: 500ms, 30s, 5m, 2h (a bare number is ms).")
        var minDuration: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Entry: Encodable {
            var transactionalId: String
            var producerId: Int64
            var state: String
        }

        func run() async throws {
            try await reportingFailures {
                let states = try state.map(Txn.stateName)
                let minimumMs = try minDuration.map(Txn.milliseconds)
                let kafka = try client.client()
                let listed: [Admin.TransactionListing]
                do {
                    listed = try await Admin(client: kafka).listTransactions(
                        states: states, minimumDurationMs: minimumMs)
                } catch {
                    throw client.failure("list transactions", error)
                }
                await kafka.close()
                let entries = listed.map {
                    Entry(transactionalId: $0.transactionalId, producerId: $0.producerId, state: $0.state)
                }
                switch format {
                case .json: try printJSON(entries)
                case .table:
                    let rows = entries.map { [$0.transactionalId, "\($0.producerId)", $0.state] }
                    print(Table(headers: ["TRANSACTIONAL-ID", "PRODUCER-ID", "STATE"], rows: rows).render())
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show transactional ids: state, producer id and epoch, timeout, age and partitions.",
            discussion: """
                Examples:
                  spool txn describe payments-1
                  spool txn describe payments-1 payments-2 --format json
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The transactional ids.") var transactionalIds: [String]
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                guard !transactionalIds.isEmpty else { throw CLIFailure("name at least one transactional id") }
                let kafka = try client.client()
                let described: [Admin.TransactionDescription]
                do {
                    described = try await Admin(client: kafka).describeTransactions(transactionalIds)
                } catch {
                    let ids = transactionalIds.joined(separator: ", ")
                    throw client.failure("describe transactional id \(ids)", error)
                }
                await kafka.close()
                try Txn.printTransactions(described.map(TransactionEntry.init), format: format)
            }
        }
    }

    struct Producers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the idempotent and transactional producers a topic's partitions remember.",
            discussion: """
                Examples:
                  spool txn producers orders
                  spool txn producers orders -p 0 --format json
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The topic.") var topic: String
        @Option(name: [.customShort("p"), .long], help: "Only this partition (repeatable; default: all).")
        var partition: [Int32] = []
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Entry: Encodable {
            var topic: String
            var partition: Int32
            var producerId: Int64
            var producerEpoch: Int32
            var lastSequence: Int32
            var lastTimestampMs: Int64
            var currentTransactionStartOffset: Int64
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let producers: [Admin.ProducerDescription]
                do {
                    let admin = Admin(client: kafka)
                    var indexes = partition
                    if indexes.isEmpty { indexes = try await admin.describeTopic(topic).partitions.map(\.index) }
                    producers = try await admin.describeProducers(indexes.map { TopicPartition(topic, $0) })
                } catch {
                    throw client.failure("describe the producers of \(topic)", error)
                }
                await kafka.close()
                let entries = producers.map {
                    Entry(topic: $0.partition.topic, partition: $0.partition.partition, producerId: $0.producerId,
                          producerEpoch: $0.producerEpoch, lastSequence: $0.lastSequence,
                          lastTimestampMs: $0.lastTimestampMs,
                          currentTransactionStartOffset: $0.currentTransactionStartOffset)
                }
                switch format {
                case .json: try printJSON(entries)
                case .table:
                    let rows = entries.map {
                        [$0.topic, "\($0.partition)", "\($0.producerId)", "\($0.producerEpoch)", "\($0.lastSequence)",
                         $0.currentTransactionStartOffset < 0 ? "-" : "\($0.currentTransactionStartOffset)"]
                    }
                    let headers = ["TOPIC", "PARTITION", "PRODUCER-ID", "EPOCH", "LAST-SEQUENCE", "TXN-START-OFFSET"]
                    print(Table(headers: headers, rows: rows).render())
                }
            }
        }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Abort a transactional id's open transaction and fence its producer.",
            discussion: """
                Does what a new producer with the same transactional.id does (InitProducerId): the coordinator \
                bumps the epoch, writes abort markers and leaves the id Empty. The old producer's next \
                transactional call fails with PRODUCER_FENCED, so only abort a transaction whose producer is \
                stuck or gone. An id with no open transaction is left alone.
                Examples:
                  spool txn abort payments-1
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The transactional id.") var transactionalId: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let after: Admin.TransactionDescription
                do {
                    after = try await Admin(client: kafka).abortTransaction(transactionalId: transactionalId)
                } catch {
                    throw client.failure("abort the transaction of \(transactionalId)", error)
                }
                await kafka.close()
                if format == .table {
                    print("aborted the transaction of \(transactionalId); its producer is fenced")
                }
                try Txn.printTransactions([TransactionEntry(after)], format: format)
            }
        }
    }

    /// One transactional id as `describe` and `abort` print it.
    struct TransactionEntry: Encodable {
        var transactionalId: String
        var state: String
        var producerId: Int64
        var producerEpoch: Int16
        var timeoutMs: Int32
        /// When the open transaction began (ms since the epoch), or nil.
        var startTimeMs: Int64?
        /// How long it has been open, or nil.
        var durationMs: Int64?
        var partitions: [String]

        init(_ description: Admin.TransactionDescription) {
            transactionalId = description.transactionalId
            state = description.state
            producerId = description.producerId
            producerEpoch = description.producerEpoch
            timeoutMs = description.timeoutMs
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            startTimeMs = description.startTimeMs >= 0 ? description.startTimeMs : nil
            durationMs = startTimeMs.map { max(0, now - $0) }
            partitions = description.partitions.map(\.description)
        }
    }

    static func printTransactions(_ entries: [TransactionEntry], format: OutputFormat) throws {
        switch format {
        case .json: try printJSON(entries)
        case .table:
            let rows = entries.map {
                [$0.transactionalId, $0.state, "\($0.producerId)", "\($0.producerEpoch)", "\($0.timeoutMs)",
                 $0.durationMs.map { "\($0)" } ?? "-",
                 $0.partitions.isEmpty ? "-" : $0.partitions.joined(separator: ",")]
            }
            let headers = ["TRANSACTIONAL-ID", "STATE", "PRODUCER-ID", "EPOCH", "TIMEOUT-MS", "OPEN-MS", "PARTITIONS"]
            print(Table(headers: headers, rows: rows).render())
        }
    }

    /// Kafka's spelling of a state name given in any case.
    /// - Throws: `CLIFailure` naming the states when it is none of them.
    static func stateName(_ text: String) throws -> String {
        guard let name = Admin.transactionStates.first(where: { $0.lowercased() == text.lowercased() }) else {
            throw CLIFailure(
                "unknown transaction state '\(text)': use one of \(Admin.transactionStates.joined(separator: ", "))")
        }
        return name
    }

    /// Milliseconds of a duration such as 500ms, 30s, 5m, 2h or 1d; a bare number is milliseconds.
    /// - Throws: `CLIFailure` for anything else.
    static func milliseconds(_ text: String) throws -> Int64 {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = units.first { trimmed.hasSuffix($0.0) && Int64(trimmed.dropLast($0.0.count)) != nil }
        let number = unit.map { String(trimmed.dropLast($0.0.count)) } ?? trimmed
        guard let value = Int64(number), value >= 0 else {
            throw CLIFailure("bad duration '\(text)': use a number with ms, s, m, h or d, e.g. 5m")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit?.1 ?? 1)
        guard !overflow else { throw CLIFailure("duration '\(text)' is too long") }
        return product
    }
}
