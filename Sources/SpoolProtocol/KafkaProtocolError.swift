/// Why bytes could not be turned into a Kafka protocol value, or a value into bytes.
///
/// A struct over a private enum (swift-nio's habit) so that new reasons can be added without breaking
/// callers. Every decode path in `SpoolProtocol` throws this on short, malformed or oversized input
/// instead of trapping.
public struct KafkaProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Reason: Hashable, Sendable {
        case truncated(what: String, needed: Int, available: Int)
        case malformedVarint
        case negativeLength(what: String, length: Int)
        case unexpectedNull(what: String)
        case unsupportedVersion(api: String, version: Int16)
        case unknownApiKey(Int16)
        case frameTooLarge(size: Int, limit: Int)
        case fieldNotSupported(field: String, version: Int16)
        case valueTooLong(what: String, length: Int)
        case trailingBytes(what: String, count: Int)
    }

    private let reason: Reason
    private init(_ reason: Reason) { self.reason = reason }

    /// Fewer bytes remain than the value needs.
    public static func truncated(_ what: String, needed: Int, available: Int) -> Self {
        .init(.truncated(what: what, needed: needed, available: available))
    }
    /// A varint runs past its maximum width or overflows its type.
    public static var malformedVarint: Self { .init(.malformedVarint) }
    /// A length or count is negative where only null (-1) or a size is allowed.
    public static func negativeLength(_ what: String, _ length: Int) -> Self {
        .init(.negativeLength(what: what, length: length))
    }
    /// A null was read or given where this version does not allow one.
    public static func unexpectedNull(_ what: String) -> Self { .init(.unexpectedNull(what: what)) }
    /// The message has no such version.
    public static func unsupportedVersion(_ api: String, _ version: Int16) -> Self {
        .init(.unsupportedVersion(api: api, version: version))
    }
    /// The request header names an API key that Kafka does not define.
    public static func unknownApiKey(_ key: Int16) -> Self { .init(.unknownApiKey(key)) }
    /// A frame announces more bytes than the configured maximum, or a negative size.
    public static func frameTooLarge(size: Int, limit: Int) -> Self { .init(.frameTooLarge(size: size, limit: limit)) }
    /// A field holds a non-default value in a version that cannot carry it.
    public static func fieldNotSupported(_ field: String, version: Int16) -> Self {
        .init(.fieldNotSupported(field: field, version: version))
    }
    /// A string, bytes or array is longer than its length prefix can express.
    public static func valueTooLong(_ what: String, length: Int) -> Self {
        .init(.valueTooLong(what: what, length: length))
    }
    /// A size-delimited value (a tagged field, a frame body) has bytes left over after decoding.
    public static func trailingBytes(_ what: String, count: Int) -> Self {
        .init(.trailingBytes(what: what, count: count))
    }

    /// Whether the error is a frame-size refusal (the connection should be closed).
    public var isFrameTooLarge: Bool {
        if case .frameTooLarge = reason { return true }
        return false
    }

    /// Whether the error is an unsupported-version refusal (answered with UNSUPPORTED_VERSION, 35).
    public var isUnsupportedVersion: Bool {
        if case .unsupportedVersion = reason { return true }
        return false
    }

    public var description: String {
        switch reason {
        case let .truncated(what, needed, available):
            return "truncated \(what): needed \(needed) bytes, \(available) available"
        case .malformedVarint: return "malformed varint"
        case let .negativeLength(what, length): return "negative length \(length) for \(what)"
        case let .unexpectedNull(what): return "unexpected null for \(what)"
        case let .unsupportedVersion(api, version): return "\(api) has no version \(version)"
        case let .unknownApiKey(key): return "unknown API key \(key)"
        case let .frameTooLarge(size, limit): return "frame size \(size) outside 0...\(limit)"
        case let .fieldNotSupported(field, version): return "\(field) cannot be sent in version \(version)"
        case let .valueTooLong(what, length): return "\(what) of length \(length) is too long for its prefix"
        case let .trailingBytes(what, count): return "\(count) trailing bytes after \(what)"
        }
    }
}
