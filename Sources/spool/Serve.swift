import ArgumentParser
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SpoolAdmin
import SpoolBroker
import SpoolLog
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `spool serve`: runs the broker until SIGTERM or SIGINT, then shuts down gracefully and exits 0; SIGHUP reloads
/// `log.level`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the broker.",
        discussion: """
            Settings come from, in order of precedence: these flags, SPOOL_* environment variables \
            (SPOOL_LOG_SEGMENT_BYTES for log.segment.bytes), the --config file, and built-in defaults. \
            config/spool.yaml documents every key; a --config file ending in .properties is read with Kafka's \
            server.properties names (docs/server-properties.md). Unknown SPOOL_* variables are ignored with a \
            warning. \
            SIGTERM or SIGINT stops the broker cleanly; SIGHUP re-reads the configuration and applies log.level.
            """)

    @Option(
        name: .customLong("config"),
        help: "A configuration file: YAML (see config/spool.yaml) or Kafka's server.properties (*.properties).")
    var configFile: String?

    @Option(name: .customLong("data-dir"), help: "Data directory (data.dir). Default ./data")
    var dataDirectory: String?

    @Option(name: .customLong("listen"), help: "Kafka listener HOST:PORT (listen). Default 127.0.0.1:9092")
    var listen: String?

    @Option(
        name: .customLong("admin-listen"),
        help: "Admin HTTP listener HOST:PORT: health, metrics, API, console (admin.listen). Default 127.0.0.1:9644")
    var adminListen: String?

    @Option(name: .customLong("log-format"), help: "Log lines as text or json (log.format). Default text")
    var logFormat: String?

    @Option(name: .customLong("set"), help: "Set any key: --set log.segment.bytes=1048576 (repeatable).")
    var settings: [String] = []

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.")
    var printConfig = false

    func run() async throws {
        let (flags, environment, configFile) = (try flags(), environment(), configFile)
        let load: @Sendable () async throws -> ConfigurationLoader.Loaded = {
            try await ConfigurationLoader.load(flags: flags, environment: environment, configFile: configFile)
        }
        let loaded: ConfigurationLoader.Loaded
        do {
            loaded = try await load()
        } catch let error as ConfigurationError {
            printError("spool: configuration error: \(error)")
            throw ExitCode(2)
        }
        if printConfig {
            if let warning = loaded.unknownVariablesWarning { printError("spool: warning: \(warning)") }
            print(loaded.rendered, terminator: "")
            return
        }
        let levels = LogLevelControl(Logger.Level(rawValue: loaded.configuration.logLevel) ?? .info)
        let json = loaded.configuration.logFormat == "json"
        LoggingSystem.bootstrap { label in
            let inner: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            return ReloadableLevelLogHandler(inner: inner, control: levels)
        }
        let logger = Logger(label: "spool")
        logger.info("spool \(SpoolVersion.current) starting", metadata: ["pid": "\(getpid())"])
        if !AllocatorTuning.apply() {
            logger.debug("malloc settings not applied: request frames of 128 KiB or more are mapped one by one")
        }
        if let warning = loaded.unknownVariablesWarning { logger.warning("\(warning)") }
        let configuration = loaded.configuration
        // The admin listener runs from before recovery, so that /health/live answers and /health/ready says
        // "recovering" while the logs load.
        let adminState = AdminState()
        // Before the broker opens: instruments made before the bootstrap would record nowhere. Until the broker
        // is open, /metrics has the instruments and the process figures only.
        let exporter = PrometheusExporter.bootstrap()
        let metrics: AdminServer.MetricsText = {
            guard let broker = adminState.broker else { return exporter.render() }
            return await exporter.render(broker)
        }
        let admin: AdminServer?
        do {
            admin = configuration.adminEnabled
                ? try AdminServer(configuration: configuration, state: adminState, metrics: metrics, logger: logger)
                : nil
        } catch {
            printError("spool: configuration error: \(error)")
            throw ExitCode(2)
        }
        // Trapped before the data directory is opened: a SIGHUP during a long recovery waits in the sequence.
        let opened = NIOLockedValueBox<Broker?>(nil)
        let hangup = HangupReload(
            signals: await UnixSignalsSequence(trapping: .sighup), running: configuration, levels: levels,
            logger: logger, load: load,
            applyLogDefaults: { defaults in
                // The hang-up service runs in the service group, so the broker exists by the time it is asked.
                guard let broker = opened.withLockedValue({ $0 }) else { return 0 }
                return try broker.reloadLogDefaults(defaults)
            },
            reloadCertificates: { settings in
                guard let broker = opened.withLockedValue({ $0 }) else { return }
                try broker.reloadCertificates(settings)
            })
        let runner = BrokerRunner(
            configuration: configuration, nonDefaultSettings: loaded.nonDefaultSettings, hangup: hangup,
            adminState: adminState, opened: opened, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: ([admin].compactMap { $0 } + [runner] as [any Service]).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            let failure = runner.failure.withLockedValue { $0 } ?? error
            printError("spool: cannot start: \(failure)")
            throw ExitCode(1)
        }
        logger.info("spool stopped")
    }

    /// The command-line settings as configuration keys.
    private func flags() throws -> [String: String] {
        var flags: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ValidationError("--set expects KEY=VALUE, got '\(setting)'")
            }
            flags[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        if let dataDirectory { flags["data.dir"] = dataDirectory }
        if let listen { flags["listen"] = listen }
        if let adminListen { flags["admin.listen"] = adminListen }
        if let logFormat { flags["log.format"] = logFormat }
        return flags
    }

    private func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    private func printError(_ message: String) {
        var standardError = FileHandleOutputStream()
        print(message, to: &standardError)
    }
}

/// Writes to standard error.
struct FileHandleOutputStream: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// Opens the broker (recovering its logs) and runs its services in a group of their own, inside the group that
/// also runs the admin listener: the listener answers health probes during recovery, and outlives the broker's
/// services at shutdown.
struct BrokerRunner: Service {
    let configuration: BrokerConfiguration
    let nonDefaultSettings: [String]
    let hangup: HangupReload
    let adminState: AdminState
    let opened: NIOLockedValueBox<Broker?>
    let logger: Logger
    /// Why the broker could not open, for the one line `spool serve` prints before it exits 1.
    let failure = NIOLockedValueBox<(any Error)?>(nil)

    func run() async throws {
        let broker: Broker
        do {
            broker = try await Broker(configuration: configuration, logger: logger)
        } catch {
            // Cancelled: another service (the admin listener) failed first, and its error is the one to tell.
            if !(error is CancellationError) { failure.withLockedValue { $0 = error } }
            throw error
        }
        opened.withLockedValue { $0 = broker }
        adminState.opened(broker)
        // "spool started" is logged from inside the service group, once SIGTERM/SIGINT are trapped: a signal
        // sent as soon as the line appears must shut down gracefully, not kill the process by default action.
        let started = StartedAnnouncement(
            logger: logger, adminState: adminState,
            metadata: [
                "version": "\(SpoolVersion.current)",
                "dataDir": "\(configuration.dataDirectory)",
                "listen": "\(configuration.listen.host):\(broker.listenerPort ?? configuration.listen.port)",
                "settings": "\(nonDefaultSettings.isEmpty ? "defaults" : nonDefaultSettings.joined(separator: ","))",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: (broker.services + [hangup, started]).map { .init(service: $0) }, logger: logger))
        try await group.run()
    }
}

/// Logs "spool started" once the service group runs (its signal handlers are installed before services
/// start), marks the broker ready for `/health/ready`, then waits for shutdown.
struct StartedAnnouncement: Service {
    let logger: Logger
    let adminState: AdminState
    let metadata: Logger.Metadata

    func run() async throws {
        adminState.markReady()
        logger.info("spool started", metadata: metadata)
        try? await gracefulShutdown()
        adminState.markStopping()
    }
}
