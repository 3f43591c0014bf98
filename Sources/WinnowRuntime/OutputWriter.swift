import Crypto
import Foundation
import WinnowCore
import WinnowIO

/// Writes a run's `selection.npy`, `selection.csv` and `report.json` into `--out`, all together or
/// none (`AtomicFile.writeAll`). Nothing is created before the selection is complete, so a failed
/// run, a full disk included, leaves no output files.
public enum OutputWriter {
    public static func write(
        _ outcome: SelectionOutcome, options: RunOptions, pool: Pool, columns: SideColumns, to dir: String, command: String = "select"
    ) throws -> RunReport {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let selection = outcome.selection
        let npy = NpyWriter.int64Image(selection.rows)
        let clock = ContinuousClock()
        let start = clock.now
        let table = Data(csv(selection, pool: pool, columns: columns, weights: outcome.weightKind).utf8)
        let digest = SHA256.hash(data: npy).hexString
        var phases = outcome.phases
        phases.append(("write", (clock.now - start).seconds))
        let report = makeReport(outcome, options: options, pool: pool, digest: digest, phases: phases, command: command)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.writeAll([
            (dir + "/selection.npy", Data(npy)), (dir + "/selection.csv", table),
            (dir + "/report.json", try encoder.encode(report)),
        ])
        return report
    }

    /// The last column is named for what the weights count (`SelectionOutcome.WeightKind`).
    static func csv(_ selection: Coreset, pool: Pool, columns: SideColumns, weights: SelectionOutcome.WeightKind) -> String {
        var out = "rank,row,file,row_in_file,id,gain,\(weights.column)\n"
        for i in 0..<selection.count {
            let row = Int(selection.rows[i])
            let (f, local) = pool.locate(row)
            let id = columns.ids?[row] ?? ""
            out += "\(i),\(row),\(quote(pool.files[f].path)),\(local),\(quote(id)),\(figure(selection.gains[i])),\(figure(selection.weights[i]))\n"
        }
        return out
    }

    /// Nine significant digits: a gain is a sum of float32 similarities, so further digits are
    /// rounding noise; a whole count reads as one ("106", not "106.0").
    static func figure(_ x: Double) -> String { String(format: "%.9g", x) }

    static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func makeReport(
        _ outcome: SelectionOutcome, options: RunOptions, pool: Pool, digest: String, phases: [(name: String, seconds: Double)],
        command: String
    ) -> RunReport {
        let s = outcome.settings
        let st = outcome.statistics
        let configuration = RunReport.Configuration(
            objective: options.clusterBalance != nil ? "cluster-balanced" : options.sensitivity != nil ? "sensitivity" : s.objective.name,
            measure: s.objective.measure.name, optimizer: s.optimizer.name,
            budget: s.budget, chunkRows: s.chunkRows, blockRows: s.blockRows, partition: s.partition.rawValue,
            oversample: s.oversample, fanIn: s.fanIn, seed: s.seed, merge: s.merge.rawValue,
            nonfinite: options.nonfinite.rawValue, exact: options.exact, evalSample: options.evalSample,
            mergeSample: s.mergeSample, sampleRowsPerPick: s.sampleRowsPerPick, mergeNeighbors: s.mergeNeighbors,
            neighbors: s.neighbors > 0 ? s.neighbors : nil, logdetRidge: { if case .logDeterminant(let r) = s.objective { r } else { nil } }(),
            qualityWeight: s.qualityWeight != 0 ? s.qualityWeight : nil, labelBudget: s.labelBudget?.name,
            labelCaps: outcome.labelCaps.map { caps in
                Dictionary(uniqueKeysWithValues: zip(caps.labels.map(String.init), caps.caps))
            }, clusterBalance: options.clusterBalance, sensitivity: options.sensitivity, rows: options.rowsPath, exclude: options.excludePath,
            eligibleRows: options.eligibleRows?.count, given: options.givenPath,
            givenRows: options.givenPath == nil ? nil : options.givenRows.count, targets: options.targetsPath)
        let inputs = pool.files.map {
            RunReport.Input(
                path: $0.path, rows: $0.rows, dimension: pool.dimension, dtype: $0.dtype.rawValue,
                bytes: $0.npy.fileSize, firstRow: $0.firstRow)
        }
        let statistics = RunReport.Statistics(
            rows: pool.totalRows, finiteRows: st.count, nonfiniteRows: st.nonfiniteRows,
            skippedRows: outcome.skippedRows.count, zeroRows: st.zeroRows, duplicateRowsWithinChunks: st.duplicateRows,
            normMin: st.count > 0 ? st.normMin : 0, normMean: st.normMean, normMax: st.normMax,
            totalVariance: st.totalVariance, mean: st.mean, variance: st.variance)
        let selection = RunReport.Selection(
            count: outcome.selection.count, sha256: digest, weights: outcome.weightKind.rawValue)
        let quality = outcome.evaluation.map {
            QualityReport($0, reference: options.referenceObjective ?? (options.isExactGreedy ? $0.objective : nil))
        }
        return RunReport(
            tool: RunReport.Tool(command: command), configuration: configuration, inputs: inputs, totalRows: pool.totalRows, dimension: pool.dimension,
            statistics: statistics, plan: outcome.plan, selection: selection, quality: quality,
            phases: Dictionary(phases.map { ($0.name, $0.seconds) }, uniquingKeysWith: +),
            phaseOrder: phases.map(\.name), peakRssBytes: ResourceUsage.peakResidentBytes(), cluster: outcome.cluster)
    }
}
