import ArgumentParser
import SpoolAdmin

/// `spool admin`: what the admin HTTP listener needs from the command line.
struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Users of the admin HTTP listener (admin.users).",
        subcommands: [Passwd.self])

    /// `spool admin passwd NAME`: prints an `admin.users` entry for a password read from standard input.
    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an admin.users entry (salted SHA-256) for a password read from standard input.",
            discussion: """
                The password is the first line of standard input; nothing is stored. Put the printed entry in \
                admin.users (comma-separated for several users).

                Example:
                  printf '%s\\n' 's3cret' | spool admin passwd alice
                  spool serve --admin-listen 0.0.0.0:9644 --set admin.users=alice:sha256:...
                """)

        @Argument(help: "The user name.") var name: String

        func validate() throws {
            guard !name.isEmpty, !name.contains(":"), !name.contains(",") else {
                throw ValidationError("a user name must be non-empty, without ':' or ','")
            }
        }

        func run() throws {
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw ValidationError("no password on standard input: pipe one line, e.g. printf '%s\\n' PASSWORD |")
            }
            print(AdminUsers.entry(name: name, password: password))
        }
    }
}
