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

    func testApplySetsOpenBLAS() {
        let before = Compute.threads
        defer { Compute.apply(threads: before) }
        Compute.apply(threads: 1)
        XCTAssertEqual(Compute.threads, 1)
        XCTAssertEqual(BLAS.threads, 1)
    }
}
