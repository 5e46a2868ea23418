import Foundation

/// RFC 5802's client-first message: `gs2-header client-first-message-bare`, for example `n,,n=user,r=fyko+d2l`.
struct ScramClientFirst: Sendable, Hashable {
    /// The GS2 header as sent (`n,,`, `y,,` or `n,a=user,`): the client-final message echoes it, base64-encoded.
    var gs2Header: String
    /// The user name with SCRAM's `=2C` and `=3D` turned back into `,` and `=`.
    var user: String
    /// The client's nonce.
    var nonce: String
    /// The message without its GS2 header: the first part of the AuthMessage.
    var bare: String

    /// The longest client message accepted: a name, a nonce and a proof fit many times over.
    static let maximumByteCount = 4096

    /// Parses and checks a client-first message.
    /// - Parameter bytes: the message.
    /// - Throws: ``ScramError`` when it is malformed, asks for channel binding (`p=`), names an authorization
    ///   identity other than the user, or carries extensions (`tokenauth=true`: Spool has no delegation tokens).
    init(_ bytes: some Collection<UInt8>) throws(ScramError) {
        let text = try Self.text(bytes, "client-first")
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4 else {
            throw .malformed("a client-first message is 'n,,n=<user>,r=<nonce>'")
        }
        switch parts[0] {
        case "n", "y": break
        case let flag where flag.hasPrefix("p="):
            throw .unsupported("channel binding (\(flag)) is not supported; use 'n,,' or 'y,,'")
        default: throw .malformed("the GS2 header must start with 'n', 'y' or 'p=', not '\(parts[0])'")
        }
        guard parts[2].hasPrefix("n=") else { throw .malformed("the client-first message has no 'n=<user>'") }
        guard parts[3].hasPrefix("r=") else { throw .malformed("the client-first message has no 'r=<nonce>'") }
        let user = try Self.unescapedName(String(parts[2].dropFirst(2)))
        if !parts[1].isEmpty {
            guard parts[1].hasPrefix("a=") else {
                throw .malformed("the GS2 authorization identity must be 'a=<name>', not '\(parts[1])'")
            }
            guard try Self.unescapedName(String(parts[1].dropFirst(2))) == user else {
                throw .unsupported("the authorization identity must be the user name")
            }
        }
        let nonce = String(parts[3].dropFirst(2))
        try Self.checkNonce(nonce)
        if parts.count > 4 {
            let names = parts[4...].map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 }
            if parts[4...].contains("tokenauth=true") {
                throw .unsupported("delegation tokens (tokenauth=true) are not supported")
            }
            throw .unsupported("SCRAM extensions are not supported (\(names.joined(separator: ", ")))")
        }
        self.gs2Header = parts[0] + "," + parts[1] + ","
        self.user = user
        self.nonce = nonce
        self.bare = parts[2...].joined(separator: ",")
    }

    /// A saslname with `=2C` and `=3D` decoded; any other `=` is an error (RFC 5802 §5.1).
    static func unescapedName(_ escaped: String) throws(ScramError) -> String {
        guard !escaped.isEmpty else { throw .malformed("the user name is empty") }
        var name = ""
        var rest = Substring(escaped)
        while let equals = rest.firstIndex(of: "=") {
            name += rest[..<equals]
            let code = rest[equals...].prefix(3)
            switch code {
            case "=2C": name += ","
            case "=3D": name += "="
            default: throw .malformed("'=' in a user name must be escaped as =2C or =3D")
            }
            rest = rest[equals...].dropFirst(3)
        }
        return name + rest
    }

    /// A nonce is printable ASCII without `,` (RFC 5802 §7), and not empty.
    static func checkNonce(_ nonce: String) throws(ScramError) {
        guard !nonce.isEmpty, nonce.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") })
        else { throw .malformed("a nonce must be printable ASCII characters other than ','") }
    }

    /// The message as UTF-8 text, within ``maximumByteCount``.
    static func text(_ bytes: some Collection<UInt8>, _ what: String) throws(ScramError) -> String {
        guard bytes.count <= maximumByteCount else {
            throw .malformed("the \(what) message is longer than \(maximumByteCount) bytes")
        }
        guard let text = String(validating: Array(bytes), as: UTF8.self), !text.isEmpty else {
            throw .malformed("the \(what) message is not UTF-8 text")
        }
        return text
    }
}

/// RFC 5802's client-final message: `c=<channel binding>,r=<nonce>,p=<proof>`.
struct ScramClientFinal: Sendable, Hashable {
    /// The base64 channel binding: the GS2 header of the client-first message, base64-encoded.
    var channelBinding: String
    /// The nonce: the client's and the server's nonces joined.
    var nonce: String
    /// The client proof, decoded.
    var proof: [UInt8]
    /// The message up to its proof (`c=…,r=…`): the last part of the AuthMessage.
    var withoutProof: String

    /// Parses a client-final message.
    /// - Parameter bytes: the message.
    /// - Throws: ``ScramError`` when it is malformed or carries extensions.
    init(_ bytes: some Collection<UInt8>) throws(ScramError) {
        let text = try ScramClientFirst.text(bytes, "client-final")
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[0].hasPrefix("c="), parts[1].hasPrefix("r="),
              let last = parts.last, last.hasPrefix("p=")
        else { throw .malformed("a client-final message is 'c=<binding>,r=<nonce>,p=<proof>'") }
        guard parts.count == 3 else { throw .unsupported("SCRAM extensions in the client-final message") }
        guard let proof = Data(base64Encoded: String(last.dropFirst(2))), !proof.isEmpty else {
            throw .malformed("the client proof is not base64")
        }
        self.channelBinding = String(parts[0].dropFirst(2))
        self.nonce = String(parts[1].dropFirst(2))
        self.proof = Array(proof)
        self.withoutProof = parts[0] + "," + parts[1]
    }
}
