#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when the library is loaded, i.e. before `main`.
/// Debian's 0.3.21 does not recognise recent AVX-512 CPUs (Zen 4/5) and falls back to its
/// Haswell (AVX2) kernels at about half the sgemm throughput; some images also preset
/// `OPENBLAS_CORETYPE=Haswell` for the same reason. So an executable calls
/// `ensureBestKernels()` first thing: on a CPU with AVX-512, when the variable is unset or
/// names a pre-AVX-512 family, it sets `SkylakeX` and re-executes itself (a few ms, once).
/// `GRPO_KEEP_OPENBLAS_CORETYPE=1` keeps whatever the environment says.
public enum OpenBLASCoreType {
    public static let variable = "OPENBLAS_CORETYPE"
    public static let keepVariable = "GRPO_KEEP_OPENBLAS_CORETYPE"
    /// OpenBLAS kernel families that use AVX-512.
    static let avx512Families: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    public static func ensureBestKernels() {
        #if os(Linux)
        guard getenv(keepVariable) == nil, cpuHasAVX512() else { return }
        if let current = getenv(variable), avx512Families.contains(String(cString: current).lowercased()) { return }
        setenv(variable, "SkylakeX", 1)
        setenv(keepVariable, "1", 1)  // the re-executed process must not loop
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure; carry on with the kernels already loaded.
        #endif
    }

    /// True when /proc/cpuinfo lists avx512f, avx512bw and avx512vl (what SkylakeX kernels use).
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
