#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library is loaded, i.e. before `main`.
/// Debian's 0.3.21 does not recognise recent AVX-512 CPUs (Zen 4/5) and falls back to its
/// Haswell kernels at about half the sgemm throughput, so an executable calls
/// `ensureBestKernels()` first thing: on an AVX-512 CPU with the variable unset it sets
/// `SkylakeX` and re-executes itself, which costs a few milliseconds once.
public enum OpenBLASCoreType {
    public static let variable = "OPENBLAS_CORETYPE"

    public static func ensureBestKernels() {
        #if os(Linux)
        guard getenv(variable) == nil, cpuHasAVX512() else { return }
        setenv(variable, "SkylakeX", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure; carry on with the default kernels.
        #endif
    }

    /// True when /proc/cpuinfo lists avx512f (and avx512bw/vl, which SkylakeX kernels use).
    static func cpuHasAVX512() -> Bool {
        guard let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { break }
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
                return flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl")
            }
        }
        return false
    }
}
