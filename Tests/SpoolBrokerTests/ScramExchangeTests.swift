import Foundation
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// A SCRAM client as RFC 5802 describes it, written apart from the server so that a round trip checks one against
/// the other: it salts the password itself and verifies the server's signature.
struct ScramTestClient {
    let mechanism: ScramMechanism
    let user: String
    let password: String
    let nonce: String
    var gs2Header = "n,,"
    var authMessage = ""
    var saltedPassword: [UInt8] = []

    var clientFirstBare: String { "n=\(user),r=\(nonce)" }
    var clientFirst: [UInt8] { Array((gs2Header + clientFirstBare).utf8) }

    /// The client-final message answering `serverFirst`.
    mutating func clientFinal(_ serverFirst: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: serverFirst, as: UTF8.self)
        var fields: [String: String] = [:]
        for part in text.split(separator: ",") { fields[String(part.prefix(1))] = String(part.dropFirst(2)) }
        let salt = fields["s"].flatMap { Data(base64Encoded: $0) }
        let serverNonce = try #require(fields["r"], "\(text)")
        let iterations = try #require(fields["i"].flatMap { Int($0) }, "\(text)")
        let saltBytes = try #require(salt, "\(text)")
        saltedPassword = mechanism.saltedPassword(password: password.utf8, salt: saltBytes, iterations: iterations)
        let withoutProof = "c=\(Data(gs2Header.utf8).base64EncodedString()),r=\(serverNonce)"
        authMessage = "\(clientFirstBare),\(text),\(withoutProof)"
        let clientKey = mechanism.hmac(key: saltedPassword, "Client Key".utf8)
        let signature = mechanism.hmac(key: mechanism.hash(clientKey), authMessage.utf8)
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        return Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }

    /// Whether `serverFinal` carries the signature only a server holding the ServerKey can make.
    func verifies(_ serverFinal: [UInt8]) -> Bool {
        let serverKey = mechanism.hmac(key: saltedPassword, "Server Key".utf8)
        let signature = mechanism.hmac(key: serverKey, authMessage.utf8)
        return String(decoding: serverFinal, as: UTF8.self) == "v=\(Data(signature).base64EncodedString())"
    }
}

/// SCRAM's math and the server exchange: RFC 7677's example byte for byte, round trips with both mechanisms, and
/// every way an exchange fails (wrong password, unknown user, malformed or unsupported messages, order).
@Suite struct ScramExchangeTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func exchange(
        _ client: inout ScramTestClient, credential: ScramCredential?
    ) throws -> Result<[UInt8], ScramError> {
        var server = ScramServerExchange(mechanism: client.mechanism)
        let user = try server.receiveClientFirst(client.clientFirst)
        #expect(user == client.user)
        let serverFirst = try server.serverFirst(credential: credential)
        let final = try client.clientFinal(serverFirst)
        do {
            let serverFinal = try server.receiveClientFinal(final)
            #expect(server.authenticatedUser == client.user)
            return .success(serverFinal)
        } catch {
            #expect(server.authenticatedUser == nil)
            return .failure(error)
        }
    }

    @Test("RFC 7677's SCRAM-SHA-256 example: user 'user', password 'pencil', the server nonce pinned")
    func rfc7677Vector() throws {
        let salt = try #require(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ=="))
        let credential = ScramCredential.make(
            password: "pencil", mechanism: .sha256, iterations: 4096, salt: Array(salt))
        var server = ScramServerExchange(mechanism: .sha256, serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
        #expect(try server.receiveClientFirst(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")) == "user")
        let serverFirst = try server.serverFirst(credential: credential)
        #expect(String(decoding: serverFirst, as: UTF8.self)
            == "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        let clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        let serverFinal = try server.receiveClientFinal(bytes(clientFinal))
        #expect(String(decoding: serverFinal, as: UTF8.self) == "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        #expect(server.authenticatedUser == "user")
    }

    @Test("a client and the server agree with SCRAM-SHA-256 and SCRAM-SHA-512, and the client verifies the server")
    func roundTrips() throws {
        for mechanism in ScramMechanism.allCases {
            let credential = ScramCredential.make(password: "s3cret", mechanism: mechanism, iterations: 4096)
            #expect(credential.storedKey.count == mechanism.keyByteCount && credential.salt.count == 32)
            var client = ScramTestClient(
                mechanism: mechanism, user: "alice", password: "s3cret", nonce: "fyko+d2lbbFgONRv9qkxdawL")
            let serverFinal = try exchange(&client, credential: credential).get()
            #expect(client.verifies(serverFinal), "\(mechanism)")
        }
    }

    @Test("a wrong password and an unknown user fail alike: same client message, a stable salt for the unknown user")
    func credentialFailures() throws {
        let credential = ScramCredential.make(password: "right", mechanism: .sha512)
        var wrong = ScramTestClient(mechanism: .sha512, user: "alice", password: "wrong", nonce: "abc")
        let wrongError = try #require(try exchange(&wrong, credential: credential).failure)
        var unknown = ScramTestClient(mechanism: .sha512, user: "nobody", password: "any", nonce: "abc")
        let unknownError = try #require(try exchange(&unknown, credential: nil).failure)
        #expect(wrongError.isCredentialFailure && unknownError.isCredentialFailure)
        #expect(wrongError.message == unknownError.message)
        #expect(wrongError.message.contains("SCRAM-SHA-512"))
        #expect(unknownError.description.contains("unknown user") && wrongError.description.contains("wrong password"))

        // The unknown user's server-first looks like a real one, and the same on every attempt.
        func serverFirst() throws -> String {
            var server = ScramServerExchange(mechanism: .sha512, serverNonce: "N")
            _ = try server.receiveClientFirst(bytes("n,,n=nobody,r=abc"))
            return String(decoding: try server.serverFirst(credential: nil), as: UTF8.self)
        }
        let first = try serverFirst()
        #expect(first == (try serverFirst()))
        #expect(first.hasPrefix("r=abcN,s=") && first.hasSuffix(",i=4096"))
    }

    @Test("user names are saslname-escaped: =2C is ',', =3D is '=', any other '=' is refused")
    func escapedNames() throws {
        var server = ScramServerExchange(mechanism: .sha256)
        #expect(try server.receiveClientFirst(bytes("n,,n=a=2Cb=3Dc,r=x")) == "a,b=c")
        var bad = ScramServerExchange(mechanism: .sha256)
        #expect(throws: ScramError.self) { try bad.receiveClientFirst(bytes("n,,n=a=41,r=x")) }
        var authzid = ScramServerExchange(mechanism: .sha256)
        #expect(try authzid.receiveClientFirst(bytes("n,a=a=2Cb,n=a=2Cb,r=x")) == "a,b")
    }

    @Test("malformed and unsupported client-first messages fail with a message that says why")
    func badClientFirst() {
        let cases: [(String, String)] = [
            ("p=tls-unique,,n=user,r=x", "channel binding"),
            ("n,,n=user,r=x,tokenauth=true", "delegation tokens"),
            ("n,,n=user,r=x,ext=1", "extensions"),
            ("n,a=other,n=user,r=x", "authorization identity"),
            ("q,,n=user,r=x", "GS2 header"),
            ("n,,r=x,n=user", "n=<user>"),
            ("n,,n=user,r=", "nonce"),
            ("n,,n=user,r=a b", "nonce"),
            ("n,,n=,r=x", "empty"),
            ("garbage", "client-first"),
            (String(repeating: "x", count: 5000), "longer than"),
        ]
        for (message, reason) in cases {
            var server = ScramServerExchange(mechanism: .sha256)
            do {
                _ = try server.receiveClientFirst(bytes(message))
                Issue.record("accepted \(message.prefix(40))")
            } catch {
                #expect(error.message.contains(reason), "\(message.prefix(40)): \(error.message)")
                #expect(!error.isCredentialFailure)
            }
        }
        var server = ScramServerExchange(mechanism: .sha256)
        #expect(throws: ScramError.self) { try server.receiveClientFirst([0xFF, 0xFE]) }
    }

    @Test("a client-final with another nonce, another channel binding, extensions or no proof fails")
    func badClientFinal() throws {
        let credential = ScramCredential.make(password: "pw", mechanism: .sha256)
        let cases: [(String, String)] = [
            ("c=biws,r=cN-other,p=AAAA", "nonce"),
            ("c=eSws,r=cN,p=AAAA", "channel binding"),
            ("c=biws,r=cN,x=1,p=AAAA", "extensions"),
            ("c=biws,r=cN,p=!!", "base64"),
            ("c=biws,r=cN", "client-final"),
        ]
        for (message, reason) in cases {
            var server = ScramServerExchange(mechanism: .sha256, serverNonce: "N")
            _ = try server.receiveClientFirst(bytes("n,,n=user,r=c"))
            _ = try server.serverFirst(credential: credential)
            do {
                _ = try server.receiveClientFinal(bytes(message))
                Issue.record("accepted \(message)")
            } catch {
                #expect(error.message.contains(reason), "\(message): \(error.message)")
            }
            // A failed exchange stays failed.
            #expect(throws: ScramError.self) { try server.receiveClientFinal(bytes(message)) }
        }
        // A short proof is a wrong password, not a crash.
        var server = ScramServerExchange(mechanism: .sha256, serverNonce: "N")
        _ = try server.receiveClientFirst(bytes("n,,n=user,r=c"))
        _ = try server.serverFirst(credential: credential)
        #expect(throws: ScramError.invalidProof(mechanism: "SCRAM-SHA-256")) {
            try server.receiveClientFinal(bytes("c=biws,r=cN,p=AAAA"))
        }
    }

    @Test("messages out of order fail, and a credential of the other mechanism is refused")
    func outOfOrder() throws {
        var server = ScramServerExchange(mechanism: .sha256)
        #expect(throws: ScramError.self) { try server.receiveClientFinal(bytes("c=biws,r=x,p=AAAA")) }
        var early = ScramServerExchange(mechanism: .sha256)
        #expect(throws: ScramError.self) { try early.serverFirst(credential: nil) }
        var mismatched = ScramServerExchange(mechanism: .sha256)
        _ = try mismatched.receiveClientFirst(bytes("n,,n=user,r=x"))
        #expect(throws: ScramError.self) {
            try mismatched.serverFirst(credential: ScramCredential.make(password: "pw", mechanism: .sha512))
        }
        var twice = ScramServerExchange(mechanism: .sha256)
        _ = try twice.receiveClientFirst(bytes("n,,n=user,r=x"))
        #expect(throws: ScramError.self) { try twice.receiveClientFirst(bytes("n,,n=user,r=x")) }
    }

    @Test("a credential's description never shows its keys, and proofs compare in constant time by length")
    func secretsStayHidden() {
        let credential = ScramCredential.make(password: "pw", mechanism: .sha256)
        #expect("\(credential)" == "ScramCredential(SCRAM-SHA-256, iterations: 4096)")
        #expect(ScramServerExchange.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!ScramServerExchange.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!ScramServerExchange.constantTimeEqual([1, 2, 3], [1, 2]))
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
