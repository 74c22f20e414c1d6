import GRPOCore
#if canImport(Glibc)
import Glibc
#endif

/// How much of the machine the kernels use: the `compute:` section of a run's configuration
/// and `--threads` on `grpo`, `learner` and `rollout-worker`.
///
/// One thread count, applied once at start (`Compute.apply`) and read by every kernel that
/// splits work: the small-batch linear of a decode step, attention, sampling, scoring, the
/// training forward and backward, LogProbHead, and the BLAS products (which split their
/// output into fixed tiles, each a single-threaded OpenBLAS call, so the result is the same
/// at any thread count).
public struct ComputeSettings: Codable, Equatable, Sendable {
    /// Threads per process; by default the cores this process may run on.
    public var threads: Int?

    public init(threads: Int? = nil) { self.threads = threads }

    enum CodingKeys: String, CodingKey { case threads }

    public func validate() throws {
        if let threads {
            try SettingError.check(threads >= 1 && threads <= 4096, "threads", "must be between 1 and 4096, got \(threads)")
        }
    }

    /// The thread count in force: the setting, else the cores available.
    public var resolvedThreads: Int { threads ?? Compute.availableCores() }
}

/// The process-wide thread count every kernel reads.
public enum Compute {
    /// Threads the kernels split work across; `apply` sets it (the cores available until then).
    public private(set) static var threads: Int = {
        BLAS.threads = 1        // every product's threads are ours (`BLAS.gemm`)
        return availableCores()
    }()

    /// Sets the thread count for every kernel, OpenBLAS included. Call once at start, before
    /// any model work, from the main thread.
    public static func apply(_ settings: ComputeSettings) {
        apply(threads: settings.resolvedThreads)
    }

    public static func apply(threads count: Int) {
        threads = max(1, count)
        BLAS.threads = 1
    }

    /// The cores this process may use: the CPUs of its affinity mask, capped by a cgroup CPU
    /// quota (v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up.
    public static func availableCores() -> Int {
        var cores = affinityCount() ?? 0
        if cores <= 0 { cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
        if let quota = cgroupQuota() { cores = min(cores, max(1, Int(quota.rounded(.up)))) }
        return max(1, cores)
    }

    /// CPUs in this process's affinity mask (`Cpus_allowed_list` of /proc/self/status, as
    /// taskset and `docker --cpuset-cpus` set it).
    static func affinityCount() -> Int? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let line = String(cString: buffer)
            guard line.hasPrefix("Cpus_allowed_list:") else { continue }
            return parseCPUList(String(line.dropFirst("Cpus_allowed_list:".count)))
        }
        return nil
    }

    /// `0-3,8,10-11` → 7.
    static func parseCPUList(_ text: String) -> Int? {
        var count = 0
        for part in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let bounds = part.split(separator: "-")
            guard let lo = Int(bounds[0]) else { return nil }
            let hi = bounds.count > 1 ? Int(bounds[1]) ?? lo : lo
            count += max(0, hi - lo + 1)
        }
        return count > 0 ? count : nil
    }

    /// CPUs' worth of time per period the cgroup allows; nil when unlimited or unknown.
    static func cgroupQuota(root: String = "/sys/fs/cgroup") -> Double? {
        if let text = read(root + "/cpu.max") { return parseCgroupV2(text) }
        if let quota = read(root + "/cpu/cpu.cfs_quota_us").flatMap({ Double($0) }),
           let period = read(root + "/cpu/cpu.cfs_period_us").flatMap({ Double($0) }), quota > 0, period > 0 {
            return quota / period
        }
        return nil
    }

    /// `max 100000` (unlimited) or `150000 100000` (1.5 CPUs).
    static func parseCgroupV2(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), quota > 0, period > 0 else { return nil }
        return quota / period
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 256)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return String(cString: buffer).split(whereSeparator: \.isNewline).first.map(String.init)
    }
}
