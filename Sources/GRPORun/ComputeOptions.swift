import ArgumentParser
import Tensors

/// `--threads N`, on every program that runs the model: the `compute.threads` setting from
/// the command line. Applied once, before any model work, to every kernel (`Compute.apply`).
public struct ComputeOptions: ParsableArguments {
    @Option(help: "Compute threads for every kernel and OpenBLAS (default: compute.threads, else the cores available to this process).")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        do { try ComputeSettings(threads: threads).validate() } catch { throw ValidationError("--threads: \(error)") }
    }

    /// Applies `--threads` (or, without it, the configuration's `compute` section) and
    /// returns the configuration with the thread count in force recorded.
    @discardableResult
    public func apply(to configuration: inout RunConfiguration) -> Int {
        if let threads { configuration.compute.threads = threads }
        Compute.apply(configuration.compute)
        return Compute.threads
    }

    /// For commands without a run configuration.
    @discardableResult
    public func apply() -> Int {
        Compute.apply(ComputeSettings(threads: threads))
        return Compute.threads
    }
}
