import Foundation
import NIOConcurrencyHelpers
import SpoolMetadata

/// Spool's authorizer, with Kafka's semantics: a request may do an operation on a resource when the principal is
/// a super user, or when an ACL covering the resource allows it (directly, through ALL, or through an operation
/// that implies it) and none denies it (DENY wins). A resource no ACL covers at all is allowed only when
/// `allow.everyone.if.no.acl.found` is true.
///
/// The bindings are held in memory, loaded at start and replaced after every change once it is stored; every
/// change advances ``generation``, which connections' cached decisions are checked against.
/// Thread-safe: a lock guards the bindings; changes are stored first, then installed.
final class Authorizer: Sendable {
    /// The `authorizer.class.name` values that turn Spool's authorizer on (Kafka's two, and `spool`).
    static let classNames: Set<String> = [
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "kafka.security.authorizer.AclAuthorizer", "spool",
    ]

    private struct State {
        var bindings: [AclResourceType: [AclBinding]] = [:]
        var generation: UInt64 = 0
        /// The sequence number of the store read `bindings` came from: a slower, older read never replaces it.
        var installedRead: UInt64 = 0
        var nextRead: UInt64 = 0
    }

    private let store: any AclMetadataStore
    private let superUsers: Set<String>
    private let allowEveryoneIfNoAclFound: Bool
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - store: where ACLs are kept.
    ///   - superUsers: principals (`User:admin`) allowed everything.
    ///   - allowEveryoneIfNoAclFound: whether a resource no ACL covers is open to everyone.
    init(store: any AclMetadataStore, superUsers: Set<String>, allowEveryoneIfNoAclFound: Bool) {
        self.store = store
        self.superUsers = superUsers
        self.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound
    }

    /// Parses `super.users`: principals separated by `;`, as Kafka writes them.
    static func superUsers(_ setting: String) -> Set<String> {
        Set(setting.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Whether `principal` is in `super.users` (allowed everything).
    func isSuperUser(_ principal: KafkaPrincipal) -> Bool { superUsers.contains(principal.description) }

    /// Advanced by every change to the bindings: a decision cached at an older generation is stale.
    var generation: UInt64 { state.withLockedValue { $0.generation } }

    /// Reads every binding from the store and installs them. A binding this broker cannot read is skipped.
    /// - Throws: `MetadataError` when the store cannot be read.
    func load() async throws {
        let read = state.withLockedValue { state -> UInt64 in
            state.nextRead += 1
            return state.nextRead
        }
        // A read that starts later sees every change stored before it: install only the newest read's result.
        let stored = try await store.acls()
        let bindings = Dictionary(grouping: stored.compactMap(AclBinding.init(stored:)), by: \.resourceType)
        state.withLockedValue { state in
            guard read > state.installedRead else { return }
            state.installedRead = read
            state.bindings = bindings
            state.generation += 1
        }
    }

    /// Whether `principal`, connecting from `host`, may do `operation` on `resource`.
    /// - Parameters:
    ///   - principal: who asks.
    ///   - host: the client's IP address (a leading `/`, as sessions keep it, is ignored).
    ///   - operation: what it would do.
    ///   - resource: to what.
    func authorize(_ principal: KafkaPrincipal, host: String, _ operation: AclOperation, _ resource: AclResource)
        -> Bool
    {
        if superUsers.contains(principal.description) { return true }
        let host = host.hasPrefix("/") ? String(host.dropFirst()) : host
        let covering = state.withLockedValue { $0.bindings[resource.type] ?? [] }.filter { $0.covers(resource) }
        if covering.isEmpty { return allowEveryoneIfNoAclFound }
        let applying = covering.filter { $0.applies(to: principal, host: host) }
        if applying.contains(where: { $0.permission == .deny && ($0.operation == operation || $0.operation == .all) }) {
            return false
        }
        let allowing = operation.allowedBy
        return applying.contains { $0.permission == .allow && allowing.contains($0.operation) }
    }

    /// Whether `principal` may do `operation` on at least one resource of `type` (Kafka's authorizeByResourceType,
    /// which lets a producer with WRITE on some topic be idempotent without IDEMPOTENT_WRITE on the cluster).
    /// Simplified: an ALLOW entry for the principal on any pattern of the type, or no ACL of the type at all when
    /// `allow.everyone.if.no.acl.found` is true.
    func authorizeAny(_ principal: KafkaPrincipal, host: String, _ operation: AclOperation,
                      type: AclResourceType) -> Bool
    {
        if superUsers.contains(principal.description) { return true }
        let host = host.hasPrefix("/") ? String(host.dropFirst()) : host
        let bindings = state.withLockedValue { $0.bindings[type] ?? [] }
        if bindings.isEmpty { return allowEveryoneIfNoAclFound }
        let allowing = operation.allowedBy
        return bindings.contains {
            $0.permission == .allow && allowing.contains($0.operation) && $0.applies(to: principal, host: host)
        }
    }

    /// The bindings `filter` matches, sorted as the store sorts them.
    func bindings(matching filter: AclFilter) -> [AclBinding] {
        let all = state.withLockedValue { $0.bindings }
        return AclResourceType.allCases.flatMap { all[$0] ?? [] }.filter(filter.matches)
    }

    /// Stores new bindings, then installs them.
    /// - Throws: `MetadataError` when they cannot be stored; then nothing changed.
    func create(_ bindings: [AclBinding]) async throws {
        try await store.createAcls(bindings.map(\.stored))
        try await load()
    }

    /// Deletes the bindings each filter matches, stored first, then in memory.
    /// - Returns: for each filter, the bindings it deleted (a binding two filters match goes to the first).
    /// - Throws: `MetadataError` when the store cannot be changed; then nothing changed.
    func delete(_ filters: [AclFilter]) async throws -> [[AclBinding]] {
        var seen = Set<AclBinding>()
        let matched = filters.map { filter in bindings(matching: filter).filter { seen.insert($0).inserted } }
        let deleted = try await store.deleteAcls(
            matching: matched.joined().map { StoredAclFilter(exactly: $0.stored) })
        try await load()
        let gone = Set(deleted.joined().compactMap(AclBinding.init(stored:)))
        return matched.map { $0.filter(gone.contains) }
    }
}
