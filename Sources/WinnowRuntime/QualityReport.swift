import Foundation
import WinnowCore

/// `report.json` → `quality`: how good the selection is on the evaluation rows, beside a seeded
/// uniform random subset of the same size on the same rows and, when known, the exact greedy.
public struct QualityReport: Codable, Sendable {
    /// "pool" or "sample" (`--eval-sample`); "selection" for log-det, whose value is the selected rows' own.
    public var on: String
    public var rows: Int
    public var objective: Double
    public var randomObjective: Double
    /// objective / random objective; for log-det `e^(objective − random)`, how many times the random
    /// subset's volume `det(L)` the selection spans. Absent when the random subset's objective is 0
    /// (a ratio to nothing is no number).
    public var vsRandom: Double?
    /// The exact greedy's objective on the same rows: this run's own with `--exact`, else
    /// `--reference-objective`.
    public var referenceObjective: Double?
    /// objective / reference objective.
    public var ratioToReference: Double?
    /// `(objective − random) / (reference − random)`.
    public var gapClosed: Double?

    public init(_ e: EvaluationResult, reference: Double?) {
        on = e.on
        rows = e.rows
        objective = e.objective
        randomObjective = e.randomObjective
        vsRandom =
            e.on == "selection"
            ? exp(e.objective - e.randomObjective)
            : e.randomObjective != 0 ? e.objective / e.randomObjective : nil
        referenceObjective = reference
        ratioToReference = reference.flatMap { $0 != 0 ? e.objective / $0 : nil }
        gapClosed = reference.flatMap { GapClosed.of(objective: e.objective, random: e.randomObjective, reference: $0) }
    }

    /// One line for the end of a run.
    public var summary: String {
        let ratio = vsRandom.map { String(format: on == "selection" ? "volume ×%.4g" : "×%.4f", $0) } ?? "no ratio: the random subset scores 0"
        var line =
            on == "selection"
            ? String(format: "quality: log det %.7g, random subset %.7g (%@)", objective, randomObjective, ratio)
            : String(
                format: "quality on %d %@ rows: objective %.7g, random subset %.7g (%@)", rows, on == "targets" ? "target" : on, objective, randomObjective,
                ratio)
        if let r = referenceObjective, let q = ratioToReference {
            line += String(format: ", exact %.7g (ratio %.5f", r, q)
            line += gapClosed.map { String(format: ", gap closed %.3f)", $0) } ?? ")"
        }
        return line
    }
}
