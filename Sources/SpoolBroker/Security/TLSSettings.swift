import NIOConcurrencyHelpers
import NIOSSL
import X509

/// The TLS settings of the broker's SSL and SASL_SSL listeners, under Kafka's names (`ssl.*`). The server's
/// certificate chain and key come from one PEM file (`ssl.keystore.type=PEM`, the default) or a PKCS12 file;
/// client certificates, when asked for, are checked against the PEM CA file `ssl.truststore.location`.
/// A plain value: thread-safe to copy.
public struct TLSSettings: Sendable, Equatable {
    /// `PEM` or `PKCS12` (`ssl.keystore.type`).
    public var keystoreType = "PEM"
    /// The file with the certificate chain and private key (`ssl.keystore.location`).
    public var keystoreLocation = ""
    /// The PKCS12 file's password (`ssl.keystore.password`); never printed.
    public var keystorePassword = ""
    /// The PEM private key's passphrase when it is encrypted (`ssl.key.password`); never printed.
    public var keyPassword = ""
    /// PEM CA certificates that client certificates must chain to (`ssl.truststore.location`); empty: the
    /// system's.
    public var truststoreLocation = ""
    /// Whether clients present a certificate (`ssl.client.auth`): `none`, `requested` (checked when presented)
    /// or `required`. A verified certificate makes the connection's principal `User:` and its subject.
    public var clientAuth = "none"

    public init() {}

    /// Builds the server's TLS context from the files: what a listener uses for new connections, and what SIGHUP
    /// builds again.
    /// - Throws: `ConfigurationError` saying which file could not be used and why (never its contents).
    public func makeContext() throws(ConfigurationError) -> NIOSSLContext {
        do {
            let chain: [NIOSSLCertificate]
            let key: NIOSSLPrivateKey
            switch keystoreType {
            case "PKCS12":
                let bundle = try NIOSSLPKCS12Bundle(file: keystoreLocation, passphrase: Array(keystorePassword.utf8))
                chain = bundle.certificateChain
                key = bundle.privateKey
            default:
                chain = try NIOSSLCertificate.fromPEMFile(keystoreLocation)
                if keyPassword.isEmpty {
                    key = try NIOSSLPrivateKey(file: keystoreLocation, format: .pem)
                } else {
                    let passphrase = keyPassword
                    key = try NIOSSLPrivateKey(file: keystoreLocation, format: .pem) { setter in
                        setter(Array(passphrase.utf8))
                    }
                }
            }
            guard !chain.isEmpty else {
                throw ConfigurationError(
                    "ssl.keystore.location \(keystoreLocation) holds no certificate: it needs the server's "
                        + "certificate chain and its private key")
            }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            switch clientAuth {
            case "required": configuration.certificateVerification = .noHostnameVerification
            case "requested": configuration.certificateVerification = .optionalVerification
            default: configuration.certificateVerification = .none
            }
            if !truststoreLocation.isEmpty {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(truststoreLocation))
            }
            return try NIOSSLContext(configuration: configuration)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(
                "the TLS certificate or key could not be loaded (ssl.keystore.location \(keystoreLocation), "
                    + "ssl.keystore.type \(keystoreType)"
                    + (truststoreLocation.isEmpty ? "" : ", ssl.truststore.location \(truststoreLocation)")
                    + "): \(error); check the paths, the file format and the password")
        }
    }
}

/// The TLS context new connections use, replaced whole when SIGHUP reloads the certificate files; connections
/// already open keep the context they began with. Thread-safe.
public final class ReloadableTLSContext: Sendable {
    private let settings: NIOLockedValueBox<TLSSettings>
    private let current: NIOLockedValueBox<NIOSSLContext>

    /// Loads the files once.
    /// - Throws: `ConfigurationError` when they cannot be used.
    init(settings: TLSSettings) throws(ConfigurationError) {
        self.settings = NIOLockedValueBox(settings)
        self.current = NIOLockedValueBox(try settings.makeContext())
    }

    /// The context for a new connection.
    var context: NIOSSLContext { current.withLockedValue { $0 } }

    /// Reads the certificate and key files again (new settings when given); on failure the running context stays.
    /// - Throws: `ConfigurationError` when the files cannot be used.
    public func reload(_ newSettings: TLSSettings? = nil) throws(ConfigurationError) {
        let settings = newSettings ?? self.settings.withLockedValue { $0 }
        let context = try settings.makeContext()
        self.settings.withLockedValue { $0 = settings }
        current.withLockedValue { $0 = context }
    }
}

extension KafkaPrincipal {
    /// Kafka's principal for a client certificate: `User:` and its subject's distinguished name, most specific
    /// part first (`User:CN=alice,O=Example`), as Kafka's default SSL principal builder gives it.
    init?(certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else {
            return nil
        }
        self.init(name: parsed.subject.description)
    }
}

/// What a failed TLS handshake means to the operator, for the one log line of the closed connection; nil when
/// `error` is not a TLS error.
func tlsFailureReason(_ error: any Error, listener: String) -> String? {
    guard let error = error as? NIOSSLError else { return nil }
    let detail = "\(error)"
    if detail.contains("WRONG_VERSION_NUMBER") || detail.contains("HTTP_REQUEST") {
        return "TLS handshake failed on listener \(listener): the client did not speak TLS (a PLAINTEXT or "
            + "SASL_PLAINTEXT client on a TLS listener, or garbage); clients here need security.protocol SSL or "
            + "SASL_SSL"
    }
    return "TLS handshake failed on listener \(listener): \(detail.prefix(300)); check that the client trusts "
        + "the broker's CA (ssl.ca.location) and, with ssl.client.auth, sends a certificate the broker's "
        + "ssl.truststore.location trusts"
}
