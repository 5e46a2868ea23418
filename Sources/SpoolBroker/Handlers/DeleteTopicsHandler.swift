import SpoolProtocol

/// DeleteTopics (20): deletes topics by name (v0-5) or by name or topic ID (v6), metadata first and then the
/// partition logs and their files. Each topic gets its own error; a topic named twice is INVALID_REQUEST.
struct DeleteTopicsHandler: KafkaResponseHandler {
    // Admin APIs: every version the generated codecs have (topic IDs exist, so CreateTopics 7 and
    // DeleteTopics 6 are fine).
    static let versions: ClosedRange<Int16> = 0...6

    let catalog: TopicCatalog
    /// Share-partitions of a deleted topic are forgotten with it.
    let shares: SharePartitionManager

    /// One topic to delete, as the request names it.
    fileprivate enum Target {
        case name(String)
        case id(KafkaUUID)
    }

    func respond(_ request: DeleteTopicsRequest, context: RequestContext) async
        -> DeleteTopicsResponse
    {
        let version = context.version
        let targets: [Result<Target, BrokerError>] = version >= 6
            ? request.topics.map(target) : request.topicNames.map { .success(.name($0)) }
        // A malformed entry is its own resource: keyed by its position, it is never a duplicate.
        let outcomes = await eachDistinct(Array(targets.enumerated()), key: { entry in
            (try? entry.element.get()).map { "topic \($0)" } ?? "entry \(entry.offset)"
        }, context: context) { entry in
            switch entry.element {
            case .success(let target): await delete(target, context: context)
            case .failure(let error): .failure(error)
            }
        }
        var response = DeleteTopicsResponse()
        for (entry, outcome) in outcomes {
            // The result names the topic as deleted, else as the request named it.
            let named: (name: String?, id: KafkaUUID) = switch (outcome, entry.element) {
            case (.success(let deleted), _): (deleted.name, deleted.topicId)
            case (.failure, .success(let target)): target.parts
            case (.failure, .failure): (request.topics[entry.offset].name, request.topics[entry.offset].topicId)
            }
            response.responses.append(
                .init(
                    name: version >= 6 ? named.name : (named.name ?? ""), topicId: version >= 6 ? named.id : .zero,
                    errorCode: outcome.errorCode, errorMessage: version >= 5 ? outcome.errorMessage : nil))
        }
        return response
    }

    /// A v6 entry names a topic by name or by ID, never both and never neither.
    private func target(_ state: DeleteTopicsRequest.DeleteTopicState) -> Result<Target, BrokerError> {
        switch (state.name, state.topicId == .zero) {
        case (let name?, true): .success(.name(name))
        case (nil, false): .success(.id(state.topicId))
        case (_?, false):
            .failure(.init(code: .invalidRequest, message: "name a topic by its name or by its topic ID, not both"))
        case (nil, true):
            .failure(.init(code: .invalidRequest, message: "a topic to delete needs a name or a topic ID"))
        }
    }

    /// Deletes the topic `target` names.
    /// - Returns: the deleted topic, or why it was not deleted.
    private func delete(_ target: Target, context: RequestContext) async -> Result<TopicEntry, BrokerError> {
        let entry: TopicEntry?
        switch target {
        case .name(let name): entry = catalog.topic(name)
        case .id(let id): entry = catalog.topic(id: id)
        }
        // DELETE on the topic, asked even when it is missing so that a denied principal learns nothing of it.
        if let name = entry?.name ?? target.parts.name, let denial = context.denial(.delete, .topic(name)) {
            return .failure(.init(code: denial, message: "not authorized to delete topic \"\(name)\""))
        }
        guard let entry else {
            return switch target {
            case .name(let name):
                .failure(.init(code: .unknownTopicOrPartition, message: "topic \"\(name)\" does not exist"))
            case .id(let id):
                .failure(.init(code: .unknownTopicId, message: "no topic has the topic ID \(id)"))
            }
        }
        do {
            try await shares.deleteTopic(entry.name) { try await catalog.deleteTopic(name: entry.name) }
            return .success(entry)
        } catch {
            return .failure(BrokerError(wrapping: error))
        }
    }
}

extension DeleteTopicsHandler.Target: CustomStringConvertible {
    var description: String {
        switch self {
        case .name(let name): "\"\(name)\""
        case .id(let id): "with ID \(id)"
        }
    }

    /// The name and ID a result carries for this target.
    var parts: (name: String?, id: KafkaUUID) {
        switch self {
        case .name(let name): (name, .zero)
        case .id(let id): (nil, id)
        }
    }
}
