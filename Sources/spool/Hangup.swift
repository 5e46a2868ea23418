import Logging
import ServiceLifecycle
import SpoolBroker
import SpoolLog
import Synchronization
import UnixSignals

/// The least severe level the broker's loggers print, changeable while the broker runs (SIGHUP reloads
/// `log.level`). Every logger reads it on each call through `ReloadableLevelLogHandler`, so it is an atomic:
/// the read happens on the event loops, for every debug line not printed. Thread-safe.
final class LogLevelControl: Sendable {
    private let index: Atomic<Int>

    init(_ level: Logger.Level) {
        index = Atomic(Self.index(of: level))
    }

    /// The level loggers without their own print from.
    var level: Logger.Level { Logger.Level.allCases[index.load(ordering: .relaxed)] }

    func set(_ level: Logger.Level) {
        index.store(Self.index(of: level), ordering: .relaxed)
    }

    private static func index(of level: Logger.Level) -> Int {
        guard let index = Logger.Level.allCases.firstIndex(of: level) else {
            preconditionFailure("Logger.Level.allCases lacks \(level)")
        }
        return index
    }
}

/// A log handler (swift-log's standard-error text handler, or `JSONLogHandler`) with its level taken from a
/// shared `LogLevelControl` instead of fixed when the logging system is bootstrapped. A logger that sets its own
/// level keeps it (swift-log's rule that a level set on one logger does not change another's). Thread-safe as a
/// value.
struct ReloadableLevelLogHandler: LogHandler {
    var inner: any LogHandler
    let control: LogLevelControl
    private var ownLevel: Logger.Level?

    init(inner: any LogHandler, control: LogLevelControl) {
        self.inner = inner
        self.control = control
    }

    var logLevel: Logger.Level {
        get { ownLevel ?? control.level }
        set { ownLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}

/// Keeps SIGHUP from ending the broker (its default action: exit 129, which is what a closed terminal or an
/// operator's `kill -HUP` used to do) and makes it reload: the configuration is read again as at start-up, and
/// what can change while the broker runs is applied: `log.level` and the log defaults (`log.retention.ms`,
/// `log.retention.bytes`, `log.segment.bytes`, ...) for every topic that does not override them. Other changes
/// are reported as waiting for a restart. The TLS listeners' certificate and key files (`ssl.*`) are read again on
/// every SIGHUP, so that a renewed certificate is taken without a restart. Runs in the service group until
/// graceful shutdown.
struct HangupReload: Service {
    /// Created before the broker opens its data directory, so that a SIGHUP during recovery is queued, not fatal.
    let signals: UnixSignalsSequence
    /// The settings the broker started with.
    let running: BrokerConfiguration
    let levels: LogLevelControl
    let logger: Logger
    /// Loads the configuration from the same flags, environment and file as at start-up.
    let load: @Sendable () async throws -> ConfigurationLoader.Loaded
    /// Applies new log defaults to the running broker; returns how many topics it updated.
    let applyLogDefaults: @Sendable (LogConfig) async throws -> Int
    /// Reads the TLS certificate and key files again, with the reloaded `ssl.*` settings.
    let reloadCertificates: @Sendable (TLSSettings) throws -> Void

    func run() async throws {
        var applied = running
        for await _ in signals.cancelOnGracefulShutdown() {
            let loaded: ConfigurationLoader.Loaded
            do {
                loaded = try await load()
            } catch {
                logger.warning(
                    "SIGHUP: configuration not reloaded; the running settings stay", metadata: ["error": "\(error)"])
                continue
            }
            let level = Logger.Level(rawValue: loaded.configuration.logLevel) ?? .info
            levels.set(level)
            applied.logLevel = loaded.configuration.logLevel
            var metadata: Logger.Metadata = ["log.level": "\(level)"]
            if loaded.configuration.logDefaults != applied.logDefaults {
                do {
                    let topics = try await applyLogDefaults(loaded.configuration.logDefaults)
                    applied.logDefaults = loaded.configuration.logDefaults
                    metadata["logDefaults"] = "applied to \(topics) topics"
                } catch {
                    logger.warning(
                        "SIGHUP: the new log defaults were not applied; the running ones stay",
                        metadata: ["error": "\(error)"])
                }
            }
            do {
                try reloadCertificates(loaded.configuration.ssl)
                applied.ssl = loaded.configuration.ssl
            } catch {
                logger.warning(
                    "SIGHUP: the TLS certificate was not reloaded; the running one stays",
                    metadata: ["error": "\(error)"])
            }
            var others = loaded.configuration
            others.logLevel = applied.logLevel
            others.logDefaults = applied.logDefaults
            others.ssl = applied.ssl
            metadata["restartNeeded"] = "\(others != applied)"
            logger.notice("SIGHUP: configuration reloaded", metadata: metadata)
        }
    }
}
