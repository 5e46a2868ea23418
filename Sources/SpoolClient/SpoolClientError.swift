/// Why a SpoolClient operation failed. A struct over a private enum (swift-nio's habit) so that reasons
/// can be added without breaking callers; `kafkaErrorCode` gives the broker's code and its name when the
/// broker refused the request.
public struct SpoolClientError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Reason: Hashable, Sendable {
        case kafka(code: KafkaErrorCode, context: String, message: String?)
        case connectionFailed(address: String, detail: String)
        case connectionClosed(address: String)
        case timedOut(what: String, milliseconds: Int64)
        case protocolViolation(String)
        case invalidArgument(String)
        case closed
    }

    private let reason: Reason
    private init(_ reason: Reason) { self.reason = reason }

    /// The broker answered with a Kafka error code.
    /// - Parameters:
    ///   - code: the code.
    ///   - context: what was asked, e.g. `produce to orders-3`.
    ///   - message: the broker's error message, if it sent one.
    public static func kafka(_ code: KafkaErrorCode, _ context: String, message: String? = nil) -> Self {
        .init(.kafka(code: code, context: context, message: message))
    }
    /// No connection could be made to a broker.
    /// - Parameters:
    ///   - address: the broker's `host:port`.
    ///   - detail: why, e.g. `Connection refused`.
    public static func connectionFailed(_ address: String, _ detail: String) -> Self {
        .init(.connectionFailed(address: address, detail: detail))
    }
    /// The connection closed before the response arrived.
    /// - Parameter address: the broker's `host:port`.
    public static func connectionClosed(_ address: String) -> Self { .init(.connectionClosed(address: address)) }
    /// An operation did not finish in time.
    /// - Parameters:
    ///   - what: the operation, e.g. `Produce to 127.0.0.1:9092`.
    ///   - milliseconds: the deadline it missed.
    public static func timedOut(_ what: String, milliseconds: Int64) -> Self {
        .init(.timedOut(what: what, milliseconds: milliseconds))
    }
    /// The broker sent something this client cannot read or did not expect.
    /// - Parameter detail: what was wrong.
    public static func protocolViolation(_ detail: String) -> Self { .init(.protocolViolation(detail)) }
    /// The caller passed a value the client cannot use.
    /// - Parameter detail: what was wrong and what to pass instead.
    public static func invalidArgument(_ detail: String) -> Self { .init(.invalidArgument(detail)) }
    /// The client, producer or consumer was closed.
    public static var closed: Self { .init(.closed) }

    /// The broker's error code, when the broker refused the request.
    public var kafkaErrorCode: KafkaErrorCode? {
        if case .kafka(let code, _, _) = reason { return code }
        return nil
    }

    /// The broker's error message, when it refused the request with one.
    public var brokerMessage: String? {
        if case .kafka(_, _, let message) = reason { return message }
        return nil
    }

    /// Whether retrying (after a metadata refresh and a pause) may succeed: retriable Kafka codes, lost
    /// connections and timeouts.
    public var isRetriable: Bool {
        switch reason {
        case .kafka(let code, _, _): return code.isRetriedByClient
        case .connectionFailed, .connectionClosed, .timedOut: return true
        case .protocolViolation, .invalidArgument, .closed: return false
        }
    }

    /// Whether a request or a wait ran out of time (the broker did not answer in time).
    public var isTimeout: Bool {
        if case .timedOut = reason { return true }
        return false
    }

    /// Whether no broker could be reached at all.
    public var isConnectionFailure: Bool {
        switch reason {
        case .connectionFailed, .connectionClosed: return true
        default: return false
        }
    }

    /// What failed, with the Kafka error code's name when the broker refused.
    public var description: String {
        switch reason {
        case .kafka(let code, let context, let message):
            return "\(context): \(code)" + (message.map { ": \($0)" } ?? "")
        case .connectionFailed(let address, let detail): return "cannot connect to \(address): \(detail)"
        case .connectionClosed(let address): return "the connection to \(address) closed"
        case .timedOut(let what, let milliseconds): return "\(what) timed out after \(milliseconds) ms"
        case .protocolViolation(let detail): return "unexpected response: \(detail)"
        case .invalidArgument(let detail): return detail
        case .closed: return "the client is closed"
        }
    }
}
