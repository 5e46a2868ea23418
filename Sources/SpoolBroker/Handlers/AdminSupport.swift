import SpoolLog
import SpoolMetadata
import SpoolRecords

/// Kafka's config resource types (`ConfigResource.Type`), as DescribeConfigs and IncrementalAlterConfigs carry them.
enum ConfigResourceType: Int8 {
    case topic = 2
    case broker = 4
    case brokerLogger = 8
}

extension Result where Failure == BrokerError {
    /// The Kafka error code of the outcome: 0 on success.
    var errorCode: Int16 {
        if case .failure(let error) = self { error.code.rawValue } else { KafkaErrorCode.none.rawValue }
    }

    /// The message of a failure; nil (no error) on success.
    var errorMessage: String? {
        if case .failure(let error) = self { error.message } else { nil }
    }
}

/// Does `body` once for each distinct resource of a request, in request order. A resource named more than once
/// is answered once, with INVALID_REQUEST and nothing done, as Kafka answers duplicates in admin requests.
/// - Parameters:
///   - items: the request's resources.
///   - key: names a resource in the duplicate's message (`topic "orders"`); equal keys are duplicates.
///   - context: the request; each refused resource gets a line in its refusal log.
///   - body: the work for one resource.
/// - Returns: each distinct resource with its outcome.
func eachDistinct<Item, Outcome>(
    _ items: [Item], key: (Item) -> String, context: RequestContext,
    _ body: (Item) async -> Result<Outcome, BrokerError>
) async -> [(item: Item, outcome: Result<Outcome, BrokerError>)] {
    var counts: [String: Int] = [:]
    for item in items { counts[key(item), default: 0] += 1 }
    var answered: Set<String> = []
    var outcomes: [(item: Item, outcome: Result<Outcome, BrokerError>)] = []
    for item in items where answered.insert(key(item)).inserted {
        let name = key(item)
        guard counts[name, default: 0] == 1 else {
            outcomes.append((item, .failure(BrokerError(
                code: .invalidRequest, message: "\(name) appears more than once in the request; name it once"))))
            continue
        }
        outcomes.append((item, await body(item)))
    }
    for (item, outcome) in outcomes {
        if case .failure(let error) = outcome {
            context.refusals.refused(context, resource: key(item), code: error.code, reason: error.message)
        }
    }
    return outcomes
}

/// The names that appear more than once in `names`.
func repeatedNames<Names: Sequence>(_ names: Names) -> Set<String> where Names.Element == String {
    var seen: Set<String> = []
    var repeated: Set<String> = []
    for name in names where !seen.insert(name).inserted {
        repeated.insert(name)
    }
    return repeated
}
