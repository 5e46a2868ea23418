extension ConfigurationLoader.Loaded {
    /// The effective configuration as YAML that `--config` accepts back, each key with its meaning and source.
    public var rendered: String {
        var lines = ["# Spool effective configuration (precedence: flag > SPOOL_* environment > --config file > default)"]
        for setting in Settings.all {
            let source = sources[setting.key] ?? .default
            lines.append("# \(setting.help) [\(source.rawValue); env \(setting.environmentName)]")
            lines.append("\(setting.key): \(yamlScalar(setting.current(configuration)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func yamlScalar(_ value: String) -> String {
        let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "._/-:".contains($0) } && !value.isEmpty
        return plain && !value.hasPrefix("-") || Int(value) != nil ? value : "\"\(value)\""
    }
}

extension ConfigurationLoader.Loaded {
    /// The settings whose effective value differs from the built-in default, as `key=value` in table order:
    /// what the start-up line shows so an operator sees at once what this broker was told to do differently.
    public var nonDefaultSettings: [String] {
        let defaults = BrokerConfiguration()
        return Settings.all.compactMap { setting in
            let value = setting.current(configuration)
            return value == setting.current(defaults) ? nil : "\(setting.key)=\(value)"
        }
    }
}
