import Logging
import NIOConcurrencyHelpers
import NIOCore
import SpoolProtocol

/// One log line per refusal — a request, a resource or a batch the broker answered with an error, or a connection
/// it closed for its bytes — naming the client, the request and the reason, at most `linesPerSecond` a second over
/// the whole broker (`log.refusals.per.second`). Lines past the budget are counted and the count rides on the next
/// line written, so a flood of bad requests costs a bounded log and still says how many there were.
///
/// Thread-safe: a lock guards the budget.
final class RefusalLog: Sendable {
    private struct Budget {
        var windowStart = NIODeadline.now()
        var written = 0
        var suppressed = 0
    }

    private let logger: Logger
    private let linesPerSecond: Int
    private let budget = NIOLockedValueBox(Budget())

    /// - Parameters:
    ///   - logger: where the lines go.
    ///   - linesPerSecond: the most lines a second; 0 writes none (but still counts them).
    init(logger: Logger, linesPerSecond: Int) {
        self.logger = logger
        self.linesPerSecond = linesPerSecond
    }

    /// Logs that a request (or one of its resources) was refused.
    /// - Parameters:
    ///   - context: the request: its client, API and version.
    ///   - resource: what in the request was refused (`topic "orders"`, `partition orders-0`), nil for all of it.
    ///   - code: the Kafka error code answered.
    ///   - reason: why, as the client was told.
    func refused(_ context: RequestContext, resource: String? = nil, code: KafkaErrorCode, reason: String) {
        // Built only for a line that is written: a flood of refusals costs a counter increment each.
        write("refused a request") {
            let api = ApiKey(rawValue: context.header.requestApiKey)?.name ?? "API \(context.header.requestApiKey)"
            var metadata: Logger.Metadata = [
                "remote": "\(context.session.remote)", "clientId": "\(context.session.clientId ?? "")",
                "request": "\(api) v\(context.version)", "errorCode": "\(code)", "reason": "\(reason)",
            ]
            if let resource { metadata["resource"] = "\(resource)" }
            return metadata
        }
    }

    /// Logs that a connection is closed for what it sent (a frame, an API or version the broker does not answer).
    /// - Parameters:
    ///   - session: the connection.
    ///   - reason: what was wrong.
    func closed(_ session: ConnectionSession, reason: String) {
        write("closing connection after a bad request") {
            ["remote": "\(session.remote)", "clientId": "\(session.clientId ?? "")", "error": "\(reason)"]
        }
    }

    private func write(_ message: Logger.Message, _ makeMetadata: () -> Logger.Metadata) {
        let suppressed = budget.withLockedValue { budget -> Int? in
            let now = NIODeadline.now()
            if now - budget.windowStart >= .seconds(1) {
                budget.windowStart = now
                budget.written = 0
            }
            guard budget.written < linesPerSecond else {
                budget.suppressed += 1
                return nil
            }
            budget.written += 1
            defer { budget.suppressed = 0 }
            return budget.suppressed
        }
        guard let suppressed else { return }
        var metadata = makeMetadata()
        if suppressed > 0 { metadata["similarLinesSuppressed"] = "\(suppressed)" }
        logger.warning(message, metadata: metadata)
    }
}
