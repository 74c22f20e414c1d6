import XCTest
@testable import Tensors

/// The default thread count is the cores this process may use: affinity and cgroup quota.
final class ComputeSettingsTests: XCTestCase {
    func testCPUListsCount() {
        XCTAssertEqual(Compute.parseCPUList("0-3,8,10-11\n"), 7)
        XCTAssertEqual(Compute.parseCPUList("0"), 1)
        XCTAssertEqual(Compute.parseCPUList("0-1"), 2)
        XCTAssertNil(Compute.parseCPUList(""))
        XCTAssertNil(Compute.parseCPUList("x"))
    }

    func testCgroupV2Quota() {
        XCTAssertNil(Compute.parseCgroupV2("max 100000"))
        XCTAssertEqual(Compute.parseCgroupV2("150000 100000"), 1.5)
        XCTAssertEqual(Compute.parseCgroupV2("400000 100000"), 4)
        XCTAssertNil(Compute.parseCgroupV2("garbage"))
    }

    func testAvailableCoresIsWithinTheMachine() {
        let cores = Compute.availableCores()
        XCTAssertGreaterThanOrEqual(cores, 1)
        XCTAssertLessThanOrEqual(cores, ProcessInfo.processInfo.processorCount)
        XCTAssertEqual(ComputeSettings().resolvedThreads, cores)
        XCTAssertEqual(ComputeSettings(threads: 3).resolvedThreads, 3)
        XCTAssertThrowsError(try ComputeSettings(threads: 0).validate())
    }

    /// Products split into fixed tiles, each a single-threaded OpenBLAS call: the same bits
    /// at 1, 2 and 3 threads, for every transpose and both tiling directions.
    func testProductsAreTheSameAtAnyThreadCount() {
        let before = Compute.threads
        defer { Compute.apply(threads: before) }
        var seed: UInt32 = 7
        func random(_ n: Int) -> [Float] {
            (0..<n).map { _ in seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(Int(seed >> 9) % 2001 - 1000) / 997 }
        }
        for (m, n, k) in [(1200, 1300, 700), (2000, 16, 900), (64, 600, 5000), (33, 1100, 64)] {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = random(m * k), b = random(k * n), c0 = random(m * n)
                var results: [[Float]] = []
                for threads in [1, 2, 3] {
                    Compute.apply(threads: threads)
                    XCTAssertEqual(BLAS.threads, 1, "OpenBLAS itself stays single-threaded")
                    var c = c0
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: transA ? m : k,
                              b: b, ldb: transB ? k : n, beta: 1, c: &c, ldc: n)
                    results.append(c)
                }
                XCTAssertEqual(results[0], results[1], "\(m)x\(n)x\(k) \(transA) \(transB): 1 vs 2 threads")
                XCTAssertEqual(results[0], results[2], "\(m)x\(n)x\(k) \(transA) \(transB): 1 vs 3 threads")
                // And the tiling is the plain product: against a double-precision reference.
                var worst: Double = 0
                for i in stride(from: 0, to: m, by: max(1, m / 7)) {
                    for j in stride(from: 0, to: n, by: max(1, n / 5)) {
                        var sum: Double = 0
                        for p in 0..<k {
                            let x = transA ? a[p * m + i] : a[i * k + p], y = transB ? b[j * k + p] : b[p * n + j]
                            sum += Double(x) * Double(y)
                        }
                        worst = max(worst, abs(Double(results[0][i * n + j]) - (0.5 * sum + Double(c0[i * n + j]))))
                    }
                }
                XCTAssertLessThan(worst, 1e-3, "\(m)x\(n)x\(k)")
            }
        }
    }
}
