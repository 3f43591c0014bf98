import Foundation
import WinnowCore
import WinnowIO

/// `winnow report DIR`: what a run folder says, for a person — a finished run from its report.json,
/// an interrupted one from its journal (what survives of it, and how to resume).
public enum RunSummary {
    public static func describe(folder: String) throws -> String {
        let report = (folder as NSString).appendingPathComponent("report.json")
        if FileManager.default.fileExists(atPath: report) {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let data = try Data(contentsOf: URL(fileURLWithPath: report))
            guard let r = try? decoder.decode(RunReport.self, from: data) else {
                throw InputError(.badHeader, path: report, "not a report.json this version of winnow wrote")
            }
            return finished(r, folder: folder)
        }
        // A command that runs a k-means first (cluster-balanced, partition cluster, dedup) may have been
        // stopped in it: its journal is then the only trace of the run.
        let kept = RunJournal.allCases.compactMap { journal in
            Journal.summary(path: journal.path(in: folder)).map { (journal, $0) }
        }
        if !kept.isEmpty { return interrupted(kept, folder: folder) }
        throw InputError(
            .unreadable, path: folder,
            "holds neither report.json nor a journal (\(RunJournal.allCases.map(\.rawValue).joined(separator: ", "))): not the --out folder of a winnow run")
    }

    static func finished(_ r: RunReport, folder: String) -> String {
        let c = r.configuration
        let total = r.phaseOrder.reduce(0) { $0 + (r.phases[$1] ?? 0) }
        var lines = [
            "finished run in \(folder) (winnow \(r.tool.version))",
            "  selected \(r.selection.count) of \(r.totalRows) rows (d \(r.dimension), \(r.inputs.count) file\(r.inputs.count == 1 ? "" : "s"))"
                + " → selection.npy, selection.csv, report.json",
            "  \(c.objective) (\(c.measure)), optimizer \(c.optimizer), k \(c.budget), seed \(c.seed)"
                + (c.exact
                    ? ", exact: one greedy over the whole pool"
                    : ", chunk rows \(c.chunkRows), α \(String(format: "%g", c.oversample)), fan-in \(c.fanIn), merge \(c.merge), merge sample \(c.mergeSample)")
                + (c.neighbors.map { ", \($0) neighbors per row" } ?? ""),
            "  plan: \(counted(r.plan.chunks, "chunk")), tree levels \(r.plan.levels.map(String.init).joined(separator: " → ")), \(counted(r.plan.mergeTasks, "merge task"))",
            "  time: \(format(total)) s (" + r.phaseOrder.map { "\($0) \(format(r.phases[$0] ?? 0)) s" }.joined(separator: ", ")
                + "); peak RSS \(r.peakRssBytes >> 20) MiB" + (r.cluster != nil ? " (coordinator)" : ""),
        ]
        if let budget = c.labelBudget, let caps = c.labelCaps {
            let listed = caps.sorted { (Int64($0.key) ?? 0) < (Int64($1.key) ?? 0) }.prefix(12).map { "\($0.key): \($0.value)" }
            lines.append("  label budget \(budget): " + listed.joined(separator: ", ") + (caps.count > 12 ? ", … (\(caps.count) labels)" : ""))
        }
        if let lambda = c.qualityWeight { lines.append("  quality term: λ = \(String(format: "%g", lambda)) × each pick's --quality score") }
        let s = r.statistics
        if s.nonfiniteRows > 0 || s.skippedRows > 0 {
            lines.append("  rows with NaN/Inf: \(s.nonfiniteRows), left out: \(s.skippedRows)")
        }
        lines.append(r.quality.map { "  " + $0.summary } ?? "  quality: not evaluated (--no-eval)")
        if let cluster = r.cluster {
            let k = cluster.counters
            lines.append(
                "  cluster: \(counted(cluster.workers.count, "worker")) at \(cluster.endpoint); leases \(k.leasesIssued) issued, "
                    + "\(k.leasesReissued) reissued, \(k.leasesRevoked) revoked; \(counted(k.workersLost, "worker")) lost; "
                    + "\(k.invalidResults) invalid results, \(k.invalidMessages) invalid messages; "
                    + "\(k.backupsIssued) backups (\(k.backupsWon) won); \(k.reusedFromJournal) results reused from a journal")
            let peaks = cluster.workers.filter { $0.peakResidentBytes > 0 }.map(\.peakResidentBytes)
            if let most = peaks.max(), let least = peaks.min() {
                lines.append(
                    "  worker peak RSS: \(least >> 20)–\(most >> 20) MiB over \(counted(peaks.count, "worker")) (this process: \(r.peakRssBytes >> 20) MiB)")
            }
            if !k.poisonedChunks.isEmpty {
                lines.append("  poisoned chunks left out (--on-poisoned skip): \(k.poisonedChunks.map(String.init).joined(separator: ", "))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func interrupted(_ kept: [(RunJournal, Journal.Summary)], folder: String) -> String {
        (["interrupted run in \(folder): no outputs yet; it kept"]
            + kept.map { journal, j in
                "  \(journal.rawValue): \(j.records) accepted result\(j.records == 1 ? "" : "s") (\(journal.contents))"
                    + " of configuration \(j.configHash.prefix(6).hexString)…"
                    + (j.tornBytes > 0 ? " (\(j.tornBytes) bytes of a torn last record will be cut off)" : "")
            }
            + [
                "  Rerun the same command with the same --out to resume: accepted results are not computed again;",
                "  another configuration is refused (exit 69).",
            ]).joined(separator: "\n")
    }

    private static func format(_ x: Double) -> String { String(format: x < 10 ? "%.2f" : "%.1f", x) }
}
