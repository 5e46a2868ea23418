import Hummingbird
import SpoolClient

/// An error the admin listener answers with a status and a JSON body `{"error": "..."}` that says what was wrong
/// and what to do.
struct AdminError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    static func unavailable(_ message: String) -> AdminError { AdminError(status: .serviceUnavailable, message: message) }
    static func badRequest(_ message: String) -> AdminError { AdminError(status: .badRequest, message: message) }
    static func notFound(_ message: String) -> AdminError { AdminError(status: .notFound, message: message) }
    static func conflict(_ message: String) -> AdminError { AdminError(status: .conflict, message: message) }

    /// A Kafka client error from the broker's own handlers, with the status that fits its code.
    static func kafka(_ error: SpoolClientError, doing action: String) -> AdminError {
        // A Kafka refusal already names what was asked.
        let text = error.kafkaErrorCode == nil ? "\(action): \(error)" : "\(error)"
        guard let code = error.kafkaErrorCode else {
            let unreachable = error.isConnectionFailure || error.isTimeout
            return unreachable ? AdminError(status: .badGateway, message: text) : .badRequest(text)
        }
        switch code.name {
        case "UNKNOWN_TOPIC_OR_PARTITION", "UNKNOWN_TOPIC_ID", "GROUP_ID_NOT_FOUND":
            return .notFound(text)
        case "TOPIC_ALREADY_EXISTS", "NON_EMPTY_GROUP", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS":
            return .conflict(text)
        default:
            return .badRequest(text)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(["error": message], status: status)
    }
}
