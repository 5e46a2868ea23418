import SpoolProtocol

/// The one way a handler asks the authorizer: `context.isAllowed(.read, .topic(name))`. With no authorizer
/// configured every answer is yes at the cost of one nil check; with one, the connection's cached decision is
/// used while the ACLs are unchanged, so a produce loop asks the authorizer once per topic.
extension RequestContext {
    /// Whether the request's principal may do `operation` on `resource`. A denial is logged (rate-limited)
    /// unless `quietly`: listings that leave out what the principal may not see are not refusals.
    func isAllowed(_ operation: AclOperation, _ resource: AclResource, quietly: Bool = false) -> Bool {
        guard let authorizer else { return true }
        let session = self.session
        let allowed = session.decision(operation, resource, generation: authorizer.generation) { principal in
            authorizer.authorize(principal, host: session.host, operation, resource)
        }
        if !allowed && !quietly {
            refusals.refused(
                self, resource: resource.description, code: resource.type.authorizationFailure,
                reason: "\(session.principal) may not \(operation.name) \(resource)")
        }
        return allowed
    }

    /// The authorization error to answer for `resource`, nil when `operation` is allowed on it.
    func denial(_ operation: AclOperation, _ resource: AclResource) -> KafkaErrorCode? {
        isAllowed(operation, resource) ? nil : resource.type.authorizationFailure
    }

    /// Throws the authorization error of `resource` when `operation` is not allowed on it.
    /// - Throws: `BrokerError` TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
    func authorize(_ operation: AclOperation, _ resource: AclResource) throws(BrokerError) {
        if let code = denial(operation, resource) {
            throw BrokerError(code: code, message: "not authorized to \(operation.name) \(resource)")
        }
    }

    /// TOPIC_AUTHORIZATION_FAILED when the principal may create neither topics in general (CREATE on the cluster)
    /// nor this one (CREATE on the topic); nil when it may create it.
    func topicCreationDenial(_ name: String) -> KafkaErrorCode? {
        isAllowed(.create, .cluster, quietly: true) ? nil : denial(.create, .topic(name))
    }

    /// Whether the principal may do `operation` on some resource of `type` (an idempotent producer's WRITE).
    func isAllowedOnAny(_ operation: AclOperation, type: AclResourceType) -> Bool {
        guard let authorizer else { return true }
        return authorizer.authorizeAny(session.principal, host: session.host, operation, type: type)
    }
}

extension RequestContext {
    /// `body`'s outcomes for the items the principal may do `operation` on, with `refused(code)` in the place of
    /// each other item, in input order: how a handler whose work is a list of partitions leaves out the denied
    /// ones. With no authorizer `body` gets every item and nothing else is done.
    /// - Parameters:
    ///   - items: the request's items (partitions), in answer order.
    ///   - operation: what the request would do to each item's resource.
    ///   - resource: the resource an item touches.
    ///   - refused: the outcome of a denied item, given its authorization error.
    ///   - body: the work on the allowed items; one outcome per item, in order.
    func authorizing<Item, Outcome>(
        _ items: [Item], _ operation: AclOperation, resource: (Item) -> AclResource,
        refused: (KafkaErrorCode) -> Outcome, body: ([Item]) async throws -> [Outcome]
    ) async rethrows -> [Outcome] {
        guard authorizer != nil else { return try await body(items) }
        let denials = items.map { denial(operation, resource($0)) }
        let allowed = zip(items, denials).compactMap { $1 == nil ? $0 : nil }
        var outcomes = try await body(allowed).makeIterator()
        return denials.map { denial in
            if let denial { return refused(denial) }
            guard let outcome = outcomes.next() else { preconditionFailure("one outcome per allowed item") }
            return outcome
        }
    }
}
