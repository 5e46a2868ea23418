import Crypto
import Foundation
import Hummingbird

/// The admin listener's users (`admin.users`) and HTTP basic authentication against them. Passwords are kept as
/// a salted SHA-256 (`NAME:sha256:SALT:HASH`, what `spool admin passwd` prints), never in clear.
public struct AdminUsers: Sendable {
    private struct Entry: Sendable {
        let salt: String
        let hash: [UInt8]
    }

    private let entries: [String: Entry]

    /// Reads `admin.users`: comma-separated `NAME:sha256:SALT:HASH` entries (the broker's configuration has
    /// already checked their shape).
    /// - Parameter text: the setting's value.
    public init(parsing text: String) {
        var entries: [String: Entry] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 4, let hash = Self.bytes(hex: parts[3]) else { continue }
            entries[String(parts[0])] = Entry(salt: String(parts[2]), hash: hash)
        }
        self.entries = entries
    }

    /// Whether any user is configured: with none, the listener asks for no credentials.
    public var isEmpty: Bool { entries.isEmpty }

    /// Whether `password` is `name`'s, compared in constant time.
    func verify(name: String, password: String) -> Bool {
        guard let entry = entries[name] else { return false }
        let computed = Self.digest(salt: entry.salt, password: password)
        guard computed.count == entry.hash.count else { return false }
        return zip(computed, entry.hash).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// An `admin.users` entry for `name` with `password` and a fresh random salt.
    /// - Parameters:
    ///   - name: the user name (no `:` or `,`).
    ///   - password: the password.
    public static func entry(name: String, password: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let hash = digest(salt: salt, password: password).map { String(format: "%02x", $0) }.joined()
        return "\(name):sha256:\(salt):\(hash)"
    }

    private static func digest(salt: String, password: String) -> [UInt8] {
        Array(SHA256.hash(data: Data((salt + ":" + password).utf8)))
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// Asks for HTTP basic authentication on every path but the health probes, when users are configured: the
/// `admin.users` entries, and when a Kafka listener uses SASL, the broker's SCRAM users too (only `super.users`
/// when an authorizer is on: the admin API acts on every resource).
struct BasicAuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let users: AdminUsers
    /// Where the broker's SCRAM users are checked; nil when no Kafka listener uses SASL.
    let kafkaUsers: AdminState?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if (users.isEmpty && kafkaUsers == nil) || request.uri.path.hasPrefix("/health/") {
            return try await next(request, context)
        }
        if let header = request.headers[.authorization], header.hasPrefix("Basic "),
           let decoded = Data(base64Encoded: String(header.dropFirst(6))),
           let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            let name = String(text[..<colon])
            let password = String(text[text.index(after: colon)...])
            if users.verify(name: name, password: password) { return try await next(request, context) }
            if let broker = kafkaUsers?.broker, await broker.verifyAdminUser(name: name, password: password) {
                return try await next(request, context)
            }
        }
        var response = JSONBody.response(
            ["error": "this admin listener needs a user name and password (admin.users, or a SCRAM user that is in "
                + "super.users when an authorizer is on)"], status: .unauthorized)
        response.headers[.wwwAuthenticate] = #"Basic realm="spool", charset="UTF-8""#
        return response
    }
}
