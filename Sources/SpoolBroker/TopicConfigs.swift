import Foundation
import SpoolLog

/// Kafka's config sources (`DescribeConfigsResponse.ConfigSource`).
enum ConfigSource: Int8 {
    case dynamicTopicConfig = 1
    case staticBrokerConfig = 4
    case defaultConfig = 5
    /// A group's own config (Kafka's DYNAMIC_GROUP_CONFIG).
    case dynamicGroupConfig = 8
}

/// Per-topic configs by their Kafka names, merged over the broker's log defaults, all from one table
/// (`TopicConfigs.table`). Stateless.
enum TopicConfigs {
    /// The topic configs Spool accepts, in the order DescribeConfigs lists them.
    static var names: [String] { table.map(\.name) }

    /// One described topic config: its effective value, where that comes from, and Kafka's synonyms in its
    /// order (the topic override, the broker's static setting, the default).
    struct Described {
        let definition: TopicConfigDefinition
        let value: String
        let source: ConfigSource
        let synonyms: [(name: String, value: String, source: ConfigSource)]
    }

    /// The log settings for a topic with `overrides`.
    /// - Throws: `BrokerError` INVALID_CONFIG naming the key, the value and what is allowed.
    static func logConfig(defaults: LogConfig, overrides: [String: String]) throws(BrokerError) -> LogConfig {
        var config = defaults
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let definition = byName[key] else {
                throw .invalidConfig("unknown topic config '\(key)': Spool supports \(names.joined(separator: ", "))")
            }
            switch definition.canonical(value, key: key) {
            case .success(let canonical): definition.field?.apply(canonical, &config)
            case .failure(let refusal): throw .invalidConfig(refusal.message)
            }
        }
        do {
            try config.validate()
        } catch {
            throw .invalidConfig("\(error)")
        }
        return config
    }

    /// Every topic config of a topic with `overrides` on a broker with `configuration`, as Kafka describes them:
    /// an override is DYNAMIC_TOPIC_CONFIG, a broker setting given at start-up STATIC_BROKER_CONFIG, anything else
    /// DEFAULT_CONFIG.
    static func describe(configuration: BrokerConfiguration, overrides: [String: String]) -> [Described] {
        let builtIn = BrokerConfiguration()
        return table.map { definition in
            var synonyms: [(name: String, value: String, source: ConfigSource)] = []
            if let override = overrides[definition.name] {
                let value = (try? definition.canonical(override, key: definition.name).get()) ?? override
                synonyms.append((definition.name, value, .dynamicTopicConfig))
            }
            if let synonym = definition.brokerSynonym {
                if let setting = Settings.byKey[synonym] {
                    let value = setting.current(configuration)
                    let defaultValue = setting.current(builtIn)
                    if value != defaultValue { synonyms.append((synonym, value, .staticBrokerConfig)) }
                    synonyms.append((synonym, defaultValue, .defaultConfig))
                } else {
                    synonyms.append((synonym, definition.kafkaDefault, .defaultConfig))
                }
            }
            let first = synonyms.first
            return Described(
                definition: definition, value: first?.value ?? definition.kafkaDefault,
                source: first?.source ?? .defaultConfig, synonyms: synonyms)
        }
    }

    /// The items a topic's list config holds now: its own value, else the broker's default (the broker setting,
    /// or Kafka's default where Spool has none), as DescribeConfigs reports it.
    /// - Returns: the items, or nil when `name` is not a list config.
    static func listValue(_ name: String, overrides: [String: String], defaults: LogConfig) -> [String]? {
        guard let definition = byName[name], definition.type == .list else { return nil }
        let value = overrides[name] ?? definition.field?.read(defaults) ?? definition.kafkaDefault
        return listItems(value)
    }

    /// A list config after IncrementalAlterConfigs' APPEND (the items the list lacks, added at its end in their
    /// order) or SUBTRACT (each item's first occurrence removed), as Kafka computes them.
    /// - Parameters:
    ///   - list: the items the config holds now.
    ///   - appending: APPEND, else SUBTRACT.
    ///   - items: the request's comma-separated items.
    /// - Returns: the new value, comma-separated (empty when SUBTRACT removed everything).
    static func alteredList(_ list: [String], appending: Bool, items: String) -> String {
        listItems(items).reduce(into: list) { list, item in
            if appending {
                if !list.contains(item) { list.append(item) }
            } else if let index = list.firstIndex(of: item) {
                list.remove(at: index)
            }
        }.joined(separator: ",")
    }

    /// The items of a comma-separated list value, trimmed, empty ones left out.
    private static func listItems(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The broker settings of the topic configs that act (`log.retention.ms` for `retention.ms`, ...), which set
    /// `BrokerConfiguration.logDefaults`; validated and documented as the topic configs are.
    static var brokerSettings: [Setting] {
        table.compactMap { definition in
            guard let field = definition.field, let key = definition.brokerSynonym else { return nil }
            return Setting(
                key: key, help: definition.documentation,
                apply: { (value, configuration) throws(ConfigurationError) in
                    switch definition.canonical(value, key: key) {
                    case .success(let canonical): field.apply(canonical, &configuration.logDefaults)
                    case .failure(let refusal): throw ConfigurationError(refusal.message)
                    }
                },
                current: { field.read($0.logDefaults) })
        }
    }
}
