import ArgumentParser
import SpoolClient
import SpoolProtocol

/// `spool user`: SCRAM users, as `kafka-configs --entity-type users --alter --add-config SCRAM-SHA-512=[...]` and
/// `kafka-configs --describe --entity-type users` manage them.
struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and delete SCRAM users (SASL/SCRAM-SHA-256 and SCRAM-SHA-512).",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a SCRAM user, or change its password.",
            discussion: """
                The password is salted here with a random salt; the broker stores only the salt, the iteration \
                count and the keys derived from the salted password. Prefer --password-stdin: a --password \
                argument is visible to other users of this machine in the process list.
                Examples:
                  printf '%s\\n' 's3cret' | spool user create alice --password-stdin
                  spool user create alice --password s3cret --mechanism SCRAM-SHA-256 --iterations 8192
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "The password (prefer --password-stdin).") var password: String?
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Option(help: "SCRAM-SHA-256 or SCRAM-SHA-512.") var mechanism: ScramMechanism = .sha512
        @Option(help: "The iteration count, 4096 to 16384.") var iterations: Int32 = ScramMechanism.defaultIterations

        func validate() throws {
            guard !name.isEmpty else { throw ValidationError("the user name is empty") }
            guard (password != nil) != passwordStdin else {
                throw ValidationError("give the password with exactly one of --password and --password-stdin")
            }
            guard ScramMechanism.acceptsIterations(iterations) else {
                throw ValidationError(
                    "--iterations must be between \(ScramMechanism.minimumIterations) and "
                        + "\(ScramMechanism.maximumIterations)")
            }
        }

        func run() async throws {
            try await reportingFailures {
                let secret: String
                if let password {
                    secret = password
                } else {
                    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                        throw CLIFailure("no password on standard input: pipe one line, e.g. printf '%s\\n' PASSWORD |")
                    }
                    secret = line
                }
                let kafka = try client.client()
                do {
                    try await Admin(client: kafka).upsertScramCredential(
                        user: name, password: secret, mechanism: mechanism, iterations: iterations)
                } catch {
                    throw client.failure("create user \(name)", error)
                }
                await kafka.close()
                print("user \(name): \(mechanism.name) credential stored (\(iterations) iterations)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List SCRAM users with their mechanisms and iteration counts.",
            discussion: """
                Examples:
                  spool user list
                  spool user list alice --format json
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "Only these users (default: all).") var names: [String] = []
        @Option(help: "table or json.") var format: OutputFormat = .table

        struct Entry: Encodable {
            var user: String
            var mechanism: String
            var iterations: Int32
        }

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                let described: [Admin.ScramCredentialInfo]
                do {
                    described = try await Admin(client: kafka).describeScramCredentials(users: names)
                } catch {
                    throw client.failure("list users", error)
                }
                await kafka.close()
                let entries = described.map {
                    Entry(user: $0.user, mechanism: $0.mechanism.name, iterations: $0.iterations)
                }
                switch format {
                case .json: try printJSON(entries)
                case .table:
                    let rows = entries.map { [$0.user, $0.mechanism, "\($0.iterations)"] }
                    print(Table(headers: ["USER", "MECHANISM", "ITERATIONS"], rows: rows).render())
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a SCRAM user's credential for one mechanism, or all of them.",
            discussion: """
                Examples:
                  spool user delete alice
                  spool user delete alice --mechanism SCRAM-SHA-256
                """)

        @OptionGroup var client: ClientOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "Only this mechanism (default: every mechanism the user has).") var mechanism: ScramMechanism?

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                var deleted: [ScramMechanism] = []
                do {
                    let admin = Admin(client: kafka)
                    let mechanisms: [ScramMechanism]
                    if let mechanism {
                        mechanisms = [mechanism]
                    } else {
                        mechanisms = try await admin.describeScramCredentials(users: [name]).map(\.mechanism)
                    }
                    for mechanism in mechanisms {
                        try await admin.deleteScramCredential(user: name, mechanism: mechanism)
                        deleted.append(mechanism)
                    }
                } catch {
                    throw client.failure("delete user \(name)", error)
                }
                await kafka.close()
                print("user \(name): deleted \(deleted.map(\.name).joined(separator: ", "))")
            }
        }
    }
}

extension ScramMechanism: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(name: argument)
    }

    public static var allValueStrings: [String] { allCases.map(\.name) }
}
