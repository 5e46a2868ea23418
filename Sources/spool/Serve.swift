import ArgumentParser
import Logging
import ServiceLifecycle
import SpoolBroker
import SpoolLog

#if canImport(Glibc)
import Glibc
#endif

/// `spool serve`: runs the broker until SIGTERM or SIGINT, then shuts down gracefully and exits 0.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the broker.",
        discussion: """
            Settings come from, in order of precedence: these flags, SPOOL_* environment variables \
            (SPOOL_LOG_SEGMENT_BYTES for log.segment.bytes), the --config YAML file, and built-in defaults. \
            config/spool.yaml documents every key. SIGTERM or SIGINT stops the broker cleanly.
            """)

    @Option(name: .customLong("config"), help: "A YAML configuration file (see config/spool.yaml).")
    var configFile: String?

    @Option(name: .customLong("data-dir"), help: "Data directory (data.dir). Default ./data")
    var dataDirectory: String?

    @Option(name: .customLong("listen"), help: "Kafka listener HOST:PORT (listen). Default 127.0.0.1:9092")
    var listen: String?

    @Option(name: .customLong("set"), help: "Set any key: --set log.segment.bytes=1048576 (repeatable).")
    var settings: [String] = []

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.")
    var printConfig = false

    func run() async throws {
        let loaded: ConfigurationLoader.Loaded
        do {
            loaded = try await ConfigurationLoader.load(
                flags: try flags(), environment: environment(), configFile: configFile)
        } catch let error as ConfigurationError {
            printError("spool: configuration error: \(error)")
            throw ExitCode(2)
        }
        if printConfig {
            print(loaded.rendered, terminator: "")
            return
        }
        let level = Logger.Level(rawValue: loaded.configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "spool")
        let broker: Broker
        do {
            broker = try await Broker(configuration: loaded.configuration, logger: logger)
        } catch {
            printError("spool: cannot start: \(error)")
            throw ExitCode(1)
        }
        // "spool started" is logged from inside the service group, once SIGTERM/SIGINT are trapped: a signal
        // sent as soon as the line appears must shut down gracefully, not kill the process by default action.
        let started = StartedAnnouncement(
            logger: logger,
            metadata: [
                "dataDir": "\(loaded.configuration.dataDirectory)",
                "listen": "\(loaded.configuration.listen.host):\(broker.listenerPort ?? loaded.configuration.listen.port)",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: (broker.services + [started]).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
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

/// Logs "spool started" once the service group runs (its signal handlers are installed before services
/// start), then waits for shutdown.
struct StartedAnnouncement: Service {
    let logger: Logger
    let metadata: Logger.Metadata

    func run() async throws {
        logger.info("spool started", metadata: metadata)
        try? await gracefulShutdown()
    }
}
