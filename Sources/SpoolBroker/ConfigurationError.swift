/// A configuration problem that stops start-up: the message names the key, the value and what is allowed.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What was wrong and what to do.
    public let message: String

    /// - Parameter message: what was wrong and what to do.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
