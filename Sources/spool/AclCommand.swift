import ArgumentParser
import SpoolClient

/// `spool acl`: create, list and delete ACLs, with kafka-acls.sh's flags where they fit.
struct Acl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and delete ACLs (the broker needs authorizer.class.name set).",
        subcommands: [Create.self, List.self, Delete.self])

    /// The resources a command names, as kafka-acls.sh names them.
    struct Resources: ParsableArguments {
        @Option(help: "A topic (repeatable; * for every topic).") var topic: [String] = []
        @Option(help: "A consumer or share group (repeatable; * for every group).") var group: [String] = []
        @Option(help: "A transactional id (repeatable; * for every one).") var transactionalId: [String] = []
        @Flag(help: "The cluster (kafka-cluster).") var cluster = false
        @Option(help: "literal or prefixed (create); any, match, literal or prefixed (list, delete).")
        var resourcePatternType: String?

        /// Each named resource as (type, name).
        var named: [(type: String, name: String)] {
            topic.map { ("TOPIC", $0) } + group.map { ("GROUP", $0) }
                + transactionalId.map { ("TRANSACTIONAL_ID", $0) } + (cluster ? [("CLUSTER", "kafka-cluster")] : [])
        }
    }

    /// Who an entry is for, as kafka-acls.sh's `--allow-principal` / `--deny-principal` and hosts.
    struct Entries: ParsableArguments {
        @Option(help: "A principal to allow, User:NAME (repeatable; User:* for everyone).")
        var allowPrincipal: [String] = []
        @Option(help: "A principal to deny, User:NAME (repeatable).") var denyPrincipal: [String] = []
        @Option(help: "The client host the entry applies to (default * for any).") var host: String?
        @Option(help: "READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, ALTER_CONFIGS, ALL, ... (repeatable).")
        var operation: [String] = []

        var principals: [(principal: String, permission: String)] {
            allowPrincipal.map { ($0, "ALLOW") } + denyPrincipal.map { ($0, "DENY") }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allow or deny principals operations on resources.",
            discussion: """
                One ACL per principal, operation and resource named. Needs ALTER on the cluster.
                Examples:
                  spool acl create --allow-principal User:alice --operation READ --topic orders --group billing
                  spool acl create --allow-principal User:etl --operation WRITE --topic logs. \
                --resource-pattern-type prefixed
                  spool acl create --deny-principal User:mallory --operation ALL --topic '*'
                """)

        @OptionGroup var client: ClientOptions
        @OptionGroup var resources: Resources
        @OptionGroup var entries: Entries

        func run() async throws {
            try await reportingFailures {
                guard !entries.principals.isEmpty, !entries.operation.isEmpty, !resources.named.isEmpty else {
                    throw CLIFailure(
                        "name a principal (--allow-principal/--deny-principal), an --operation and a resource "
                            + "(--topic, --group, --transactional-id or --cluster)")
                }
                let bindings = resources.named.flatMap { resource in
                    entries.principals.flatMap { entry in
                        entries.operation.map { operation in
                            Admin.AclBinding(
                                resourceType: resource.type, resourceName: resource.name,
                                patternType: resources.resourcePatternType ?? "LITERAL", principal: entry.principal,
                                host: entries.host ?? "*", operation: operation, permission: entry.permission)
                        }
                    }
                }
                let kafka = try client.client()
                do {
                    try await Admin(client: kafka).createAcls(bindings)
                } catch {
                    throw client.failure("create ACLs", error)
                }
                await kafka.close()
                print("created \(bindings.count) ACL\(bindings.count == 1 ? "" : "s")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List ACLs, all or those of the resources and principal named.",
            discussion: """
                Needs DESCRIBE on the cluster.
                Examples:
                  spool acl list
                  spool acl list --topic orders --resource-pattern-type match
                  spool acl list --principal User:alice --format json
                """)

        @OptionGroup var client: ClientOptions
        @OptionGroup var resources: Resources
        @Option(help: "Only this principal's ACLs.") var principal: String?
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                let kafka = try client.client()
                var listed: [Admin.AclBinding] = []
                do {
                    for filter in Acl.filters(resources, principal: principal) {
                        listed += try await Admin(client: kafka).describeAcls(filter)
                    }
                } catch {
                    throw client.failure("list ACLs", error)
                }
                await kafka.close()
                try Acl.show(listed, format: format)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the ACLs of the resources named (narrowed by principal and operation).",
            discussion: """
                Needs ALTER on the cluster. Prints what was deleted.
                Examples:
                  spool acl delete --topic orders --allow-principal User:alice --operation READ
                  spool acl delete --topic orders
                """)

        @OptionGroup var client: ClientOptions
        @OptionGroup var resources: Resources
        @OptionGroup var entries: Entries
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await reportingFailures {
                guard !resources.named.isEmpty else {
                    throw CLIFailure("name the resources whose ACLs to delete (--topic, --group, --transactional-id, "
                        + "--cluster)")
                }
                let principals: [(principal: String?, permission: String)] = entries.principals.isEmpty
                    ? [(nil, "ANY")] : entries.principals.map { ($0.principal, $0.permission) }
                let operations: [String] = entries.operation.isEmpty ? ["ANY"] : entries.operation
                let filters = Acl.filters(resources, principal: nil).flatMap { base in
                    principals.flatMap { entry in
                        operations.map { operation in
                            var filter = base
                            filter.principal = entry.principal
                            filter.permission = entry.permission
                            filter.operation = operation
                            filter.host = entries.host
                            return filter
                        }
                    }
                }
                let kafka = try client.client()
                let deleted: [Admin.AclBinding]
                do {
                    deleted = try await Admin(client: kafka).deleteAcls(filters)
                } catch {
                    throw client.failure("delete ACLs", error)
                }
                await kafka.close()
                try Acl.show(deleted, format: format)
            }
        }
    }

    /// One filter per resource named, or one for every ACL when none is.
    static func filters(_ resources: Resources, principal: String?) -> [Admin.AclBindingFilter] {
        var base = Admin.AclBindingFilter()
        base.principal = principal
        base.patternType = resources.resourcePatternType ?? (resources.named.isEmpty ? "ANY" : "LITERAL")
        guard !resources.named.isEmpty else { return [base] }
        return resources.named.map { resource in
            var filter = base
            filter.resourceType = resource.type
            filter.resourceName = resource.name
            return filter
        }
    }

    static func show(_ bindings: [Admin.AclBinding], format: OutputFormat) throws {
        switch format {
        case .json: try printJSON(bindings)
        case .table:
            let rows = bindings.map {
                [$0.resourceType, $0.resourceName, $0.patternType, $0.principal, $0.host, $0.operation, $0.permission]
            }
            let headers = ["RESOURCE-TYPE", "NAME", "PATTERN", "PRINCIPAL", "HOST", "OPERATION", "PERMISSION"]
            print(Table(headers: headers, rows: rows).render())
        }
    }
}
