import Foundation
import GRPOCore
import GRPOProtocol
import RolloutLog

/// The learner's rollout log: one `GroupReport` (JSON) per accepted group, appended and made
/// durable (per the fsync policy) before the worker is acknowledged.
final class RolloutStore {
    let directory: URL
    private let writer: RolloutLogWriter
    /// Draws already in the log, so a resent group is acknowledged but never logged twice.
    private(set) var loggedDraws: Set<Int> = []
    private(set) var bytesWritten = 0

    /// Opens (or creates) the log; a torn tail from a crash is cut back and reported.
    init(directory: URL, fsync policy: FsyncPolicy, log: (String) -> Void) throws {
        self.directory = directory
        writer = try RolloutLogWriter.open(directory: directory, policy: policy)
        if let recovery = writer.recovery { log("rollout log: \(recovery)") }
    }

    /// Every record in the log, in order.
    static func readAll(_ directory: URL, log: (String) -> Void) throws -> [GroupReport] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let (reports, warnings) = try GroupReport.readLog(directory)
        for warning in warnings { log("rollout log: \(warning)") }
        return reports
    }

    func noteExisting(_ reports: [GroupReport]) {
        loggedDraws.formUnion(reports.map(\.draw))
    }

    var recordCount: Int { writer.recordCount }

    /// Appends `report`; when this returns, the record is durable under the fsync policy.
    func append(_ report: GroupReport) throws -> Int {
        let payload: Data
        do { payload = try JSONEncoder().encode(report) } catch let error as EncodingError {
            throw WireError("rollout log: group \(report.draw) cannot be encoded: \(error.summary)")
        }
        let position = try writer.append(payload)
        loggedDraws.insert(report.draw)
        bytesWritten += payload.count
        return position.index
    }

    /// Syncs and closes the log; a failure (the last records may not be durable) is thrown.
    func close() throws { try writer.close() }
}
