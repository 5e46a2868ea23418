import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The Kafka listener could not bind its address: the message names the address, the cause in words and what
/// to do, because NIO's own text ("bind(descriptor:ptr:bytes:): Address already in use (errno: 98)") names
/// neither the address nor the setting that chose it.
public struct ListenerBindError: Error, Sendable, CustomStringConvertible {
    /// The `listen` address, as `HOST:PORT`.
    public let address: String
    /// The `errno` of the failed `bind`, or nil when the failure was not a system call's (an unknown host).
    public let errnoCode: Int32?
    /// The underlying error's text, for causes without a dedicated message.
    let underlying: String
    /// The setting that names the address (`listen`, `admin.listen`) and its flag.
    let setting: String
    let flag: String

    /// - Parameters:
    ///   - address: the `listen` address, as `HOST:PORT`.
    ///   - error: what `bind` threw.
    ///   - setting: the setting that gave the address.
    ///   - flag: its command-line flag.
    public init(address: String, error: any Error, setting: String = "listen", flag: String = "--listen") {
        self.address = address
        self.errnoCode = (error as? IOError)?.errnoCode
        self.underlying = "\(error)"
        self.setting = setting
        self.flag = flag
    }

    /// The setting's environment variable.
    private var variable: String { "SPOOL_" + setting.uppercased().split(separator: ".").joined(separator: "_") }

    public var description: String {
        let prefix = "cannot listen on \(address) (\(setting)): "
        switch errnoCode {
        case EADDRINUSE:
            return prefix + "the address is already in use by another process (another broker?); "
                + "stop it (`ss -ltnp` shows which), or choose another port with \(flag) HOST:PORT "
                + "or \(variable)"
        case EACCES:
            return prefix + "permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE; "
                + "use a port from 1024 up (Kafka's is 9092) with \(flag) HOST:PORT, or grant the capability "
                + "(AmbientCapabilities=CAP_NET_BIND_SERVICE in the systemd unit)"
        case EADDRNOTAVAIL:
            return prefix + "the host is not an address of this machine; "
                + "use one of its addresses (`ip -brief address`), or 0.0.0.0 for all of them"
        default:
            return prefix + underlying + "; check the host and port given with \(flag) HOST:PORT or \(variable)"
        }
    }
}
