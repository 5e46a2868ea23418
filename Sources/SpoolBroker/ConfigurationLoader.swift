import Foundation
import Configuration
import SystemPackage
import Yams

/// Where an effective setting came from.
public enum ConfigurationSource: String, Sendable {
    case flag, environment, file, `default`
}

/// Merges the broker's settings with swift-configuration: command-line flag > environment variable
/// (`SPOOL_` prefix) > `--config FILE` (YAML) > built-in default. Unknown keys in a file or on the command line
/// and bad values stop start-up with a message naming the key, the value and what is allowed; unknown `SPOOL_*`
/// variables are only reported (`Loaded.unknownEnvironmentVariables`), because the environment is not wholly
/// ours: Kubernetes sets `SPOOL_SERVICE_HOST`, `SPOOL_PORT`, ... for a Service named `spool`.
/// Stateless and thread-safe.
public enum ConfigurationLoader {
    /// The result of loading: the settings and, per key, where its value came from.
    public struct Loaded: Sendable {
        /// The effective settings.
        public var configuration: BrokerConfiguration
        /// Per key, the provider that supplied it.
        public var sources: [String: ConfigurationSource]
        /// `SPOOL_*` variables that name no setting, sorted: ignored, for the caller to warn about once.
        public var unknownEnvironmentVariables: [String] = []

        /// One line naming the unknown `SPOOL_*` variables and the known ones, so that a misspelt setting
        /// (`SPOOL_DATADIR`) is still seen; nil when there are none.
        public var unknownVariablesWarning: String? {
            guard !unknownEnvironmentVariables.isEmpty else { return nil }
            let known = Settings.all.map(\.environmentName).joined(separator: ", ")
            return "ignoring unknown environment variables \(unknownEnvironmentVariables.joined(separator: ", ")) "
                + "(not Spool settings; known: \(known))"
        }
    }

    /// Loads the effective configuration.
    /// - Parameters:
    ///   - flags: keys set on the command line (`--data-dir`, `--listen`, `--set KEY=VALUE`).
    ///   - environment: the process environment; only `SPOOL_*` variables are read.
    ///   - configFile: a YAML file, a Kafka `.properties` file, or nil.
    /// - Returns: the settings and their sources.
    /// - Throws: `ConfigurationError` for an unknown key, a bad value or an unreadable file.
    public static func load(flags: [String: String], environment: [String: String],
                            configFile: String?) async throws -> Loaded
    {
        for key in flags.keys where Settings.byKey[key] == nil {
            throw ConfigurationError("unknown configuration key '\(key)' on the command line; \(knownKeys)")
        }
        let environmentValues = spoolVariables(environment)
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: inMemoryValues(flags)),
            EnvironmentVariablesProvider(environmentVariables: environmentValues.byProviderName),
        ]
        var fileKeys: Set<String> = []
        if let configFile, configFile.hasSuffix(".properties") {
            // A Kafka server.properties, its keys translated to Spool's (docs/server-properties.md).
            try checkReadable(configFile: configFile)
            let translated = try KafkaProperties.settings(inFile: configFile)
            fileKeys = Set(translated.keys)
            providers.append(InMemoryProvider(name: "properties", values: inMemoryValues(translated)))
        } else if let configFile {
            fileKeys = try keys(inYAMLFile: configFile)
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(configFile)))
            } catch {
                throw ConfigurationError("cannot read configuration file \(configFile): \(error)")
            }
        }
        let reader = ConfigReader(providers: providers)
        var configuration = BrokerConfiguration()
        var sources: [String: ConfigurationSource] = [:]
        for setting in Settings.all {
            let source: ConfigurationSource =
                flags[setting.key] != nil ? .flag
                : environmentValues.byKey[setting.key] != nil ? .environment
                : fileKeys.contains(setting.key) ? .file : .default
            sources[setting.key] = source
            guard source != .default else { continue }
            guard let value = reader.string(forKey: ConfigKey(setting.key)) else {
                throw ConfigurationError(
                    "invalid value for \(setting.key) in \(configFile ?? "the configuration"): expected a single value")
            }
            try setting.apply(value, &configuration)
        }
        guard configuration.groupMinSessionTimeoutMs <= configuration.groupMaxSessionTimeoutMs else {
            throw ConfigurationError(
                "group.min.session.timeout.ms (\(configuration.groupMinSessionTimeoutMs)) must not exceed "
                    + "group.max.session.timeout.ms (\(configuration.groupMaxSessionTimeoutMs))")
        }
        _ = try configuration.resolvedListeners()
        do {
            try configuration.logDefaults.validate()
        } catch {
            throw ConfigurationError("\(error)")
        }
        return Loaded(
            configuration: configuration, sources: sources,
            unknownEnvironmentVariables: environmentValues.unknown.sorted())
    }

    private static var knownKeys: String {
        "known keys: " + Settings.all.map(\.key).joined(separator: ", ")
    }

    private static func inMemoryValues(_ flags: [String: String]) -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in flags {
            values[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: false)
        }
        return values
    }

    /// `SPOOL_*` variables that belong to the client commands (`spool produce`, `spool consume`, ...), not
    /// to the broker: `serve` ignores them, so a shell that sets them for the CLI can still start a broker.
    public static let clientVariables: Set<String> = ["SPOOL_BOOTSTRAP_SERVER"]

    /// The `SPOOL_*` variables, keyed both by our key and by the name swift-configuration's environment
    /// provider looks up (the key in capitals with underscores, without the prefix), and the names of the
    /// unknown ones, which are left out; `clientVariables` are skipped.
    private static func spoolVariables(_ environment: [String: String])
        -> (byKey: [String: String], byProviderName: [String: String], unknown: [String])
    {
        let settingsByVariable = Dictionary(uniqueKeysWithValues: Settings.all.map { ($0.environmentName, $0) })
        var byKey: [String: String] = [:]
        var byProviderName: [String: String] = [:]
        var unknown: [String] = []
        for (name, value) in environment where name.hasPrefix("SPOOL_") && !clientVariables.contains(name) {
            guard let setting = settingsByVariable[name] else {
                unknown.append(name)
                continue
            }
            byKey[setting.key] = value
            byProviderName[String(name.dropFirst("SPOOL_".count))] = value
        }
        return (byKey, byProviderName, unknown)
    }

    /// Refuses a `--config` path that names no file, a directory or a file this user cannot read, in words:
    /// Foundation's own error is an NSCocoaErrorDomain dump.
    private static func checkReadable(configFile path: String) throws(ConfigurationError) {
        var isDirectory: ObjCBool = false
        let hint = "(--config; a relative path is read from \(FileManager.default.currentDirectoryPath))"
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError(
                "configuration file \(path) does not exist \(hint): check the path, or leave --config out "
                    + "to start with the built-in defaults")
        }
        guard !isDirectory.boolValue else {
            throw ConfigurationError("configuration file \(path) is a directory \(hint): name the YAML file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigurationError(
                "configuration file \(path) is not readable by this user \(hint): check its permissions")
        }
    }

    /// Every leaf key of a YAML file, nested maps joined with dots; unknown ones are refused.
    private static func keys(inYAMLFile path: String) throws(ConfigurationError) -> Set<String> {
        try checkReadable(configFile: path)
        let text: String
        let node: Node?
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError("cannot read configuration file \(path): \(error)")
        }
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            throw ConfigurationError("configuration file \(path) must hold a mapping of keys to values")
        }
        var keys: Set<String> = []
        var pending: [(String, Node.Mapping)] = [("", mapping)]
        while let (prefix, mapping) = pending.popLast() {
            for (keyNode, valueNode) in mapping {
                let key = prefix + (keyNode.string ?? "")
                if let nested = valueNode.mapping {
                    pending.append((key + ".", nested))
                    continue
                }
                guard Settings.byKey[key] != nil else {
                    throw ConfigurationError("unknown configuration key '\(key)' in \(path); \(knownKeys)")
                }
                keys.insert(key)
            }
        }
        return keys
    }
}
