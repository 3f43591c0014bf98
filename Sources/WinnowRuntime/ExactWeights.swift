import Dispatch
import Foundation
import Logging
import Synchronization
import WinnowCore
import WinnowIO

/// What a pick's `weight` is: how many of the rows selected among are more similar to it than to any
/// other pick. The chunked pipeline only estimates that (the root sees a sample of the rows, each
/// standing for many), so, where it is cheap enough, one pass over those rows counts it exactly.
public enum WeightsMode: String, Sendable, CaseIterable {
    /// Exact when rows × picks is at most `RunOptions.Default.exactWeightsWork`, else the estimate.
    case auto
    /// Always the pass (it costs rows × picks × d multiply-adds, like evaluating on the whole pool).
    case exact
    /// Never the pass: the pipeline's estimate, written as `weight_estimate`.
    case estimate
}

enum ExactWeights {
    /// Replaces `outcome`'s weights by exact counts when `options` ask for it or they already are.
    static func apply(to outcome: inout SelectionOutcome, pool: Pool, options: RunOptions, log: Logger) {
        // A sample's importance weights are what its estimates need, not a count of nearest rows.
        guard outcome.weightKind != .importance else { return }
        let objective = outcome.settings.objective
        let counting: Bool = {
            switch objective {
            case .facilityLocation, .kCenter: return true
            default: return false
            }
        }()
        // One greedy over every row counts each row for its nearest pick itself; with --targets
        // weights count targets, which that greedy covered whole.
        if (options.exact && counting) || options.targetsPath != nil {
            outcome.weightKind = .exact
            return
        }
        let k = outcome.selection.count
        switch options.weights {
        case .estimate: return
        case .auto where (options.eligibleRows?.count ?? pool.totalRows) * k > RunOptions.Default.exactWeightsWork: return
        default: break
        }
        let skipped = Set(outcome.skippedRows)
        let rows = (options.eligibleRows ?? Array(0..<pool.totalRows)).filter { !skipped.contains(Int64($0)) }
        let start = ContinuousClock.now
        // Rows chosen before (--given) are picks too: a row nearest one of them is not counted for a new pick.
        let given = options.givenRows
        let picks =
            given.isEmpty
            ? outcome.selection
            : Coreset(
                rows: given + outcome.selection.rows,
                vectors: VectorBlock.concatenate(
                    [pool.read(rows: given.map { Int($0) }), outcome.selection.vectors], dimension: pool.dimension),
                gains: [Double](repeating: 0, count: given.count + outcome.selection.count),
                weights: [Double](repeating: 0, count: given.count + outcome.selection.count), rowsBeneath: 0)
        outcome.selection.weights = Array(counts(pool: pool, selection: picks, rows: rows, objective: objective).dropFirst(given.count))
        outcome.weightKind = .exact
        outcome.phases.append(("weights", (ContinuousClock.now - start).seconds))
        log.info(
            "exact weights: every row counted for its nearest pick",
            metadata: ["rows": "\(rows.count)", "picks": "\(k)", "seconds": "\(String(format: "%.2f", (ContinuousClock.now - start).seconds))"])
    }

    /// Each pick's count of `rows` nearest to it (ties: the smaller row), a block at a time on every
    /// core; blocks are added in order, so the counts do not depend on the threads.
    static func counts(pool: Pool, selection: Coreset, rows: [Int], objective: Objective) -> [Double] {
        let size = LocalSelection.Default.evaluationBlockRows
        let starts = Array(stride(from: 0, to: rows.count, by: size))
        let parts = Mutex([[Int]?](repeating: nil, count: starts.count))
        DispatchQueue.concurrentPerform(iterations: starts.count) { b in
            let block = Array(rows[starts[b]..<min(rows.count, starts[b] + size)])
            let nearest = Evaluation.bestAndNearest(
                targets: pool.read(rows: block), selected: selection.vectors, selectedRows: selection.rows, objective: objective
            ).nearest
            var counts = [Int](repeating: 0, count: selection.count)
            for s in nearest where s >= 0 { counts[s] += 1 }
            parts.withLock { $0[b] = counts }
        }
        var totals = [Double](repeating: 0, count: selection.count)
        for part in parts.withLock({ $0 }) { for (i, c) in part!.enumerated() { totals[i] += Double(c) } }
        return totals
    }
}
