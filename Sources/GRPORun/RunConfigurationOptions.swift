import ArgumentParser

/// `--config FILE` and `--set key=value` for the learner and its workers, which read the same
/// file: without `--config`, the embedded Configs/quickstart.yaml.
public struct RunConfigurationOptions: ParsableArguments {
    @Option(help: "The run's YAML configuration, the same file for the learner and its workers (default: the embedded Configs/quickstart.yaml).")
    public var config: String?

    @Option(name: .customLong("set"), help: "Override a key, e.g. --set learner.max_staleness=2 (repeatable).")
    public var overrides: [String] = []

    public init() {}

    /// The configuration, loaded strictly and validated.
    public func load() throws -> RunConfiguration {
        let configuration = try config.map {
            try ConfigurationLoader.load(RunConfiguration.self, path: $0, defaults: RunConfiguration(model: ""), overrides: overrides)
        } ?? RunConfiguration.quickstart(overrides: overrides)
        try configuration.validate()
        return configuration
    }
}
