import Foundation
import WinnowNative

/// Log-determinant (DPP MAP): `f(S) = log det(L_S)` with `L = cos(a, b) + ridge · I` over the
/// candidates — the volume the selected rows span, so near-duplicates add almost nothing (diversity).
/// Submodular (not monotone once `L_S` has eigenvalues below 1); the ridge keeps every `L_S` positive
/// definite, so any budget can be filled.
///
/// Greedy MAP by incremental Cholesky (Chen, Zhang & Zhou, NeurIPS 2018): for every candidate `i`
/// it keeps `c_i` (its row of the Cholesky factor against the picks) and `d²_i = L_ii − ‖c_i‖²`, the
/// Schur complement, so the gain of adding `i` is `log d²_i`. A commit of `j` costs one kernel row
/// and `O(n · |S|)`: `e_i = (L_ji − ⟨c_j, c_i⟩) / d_j`, `d²_i −= e²_i`. Gains are always fresh, so
/// lazy and naive greedy pick the same rows.
public struct LogDeterminant: GreedyObjective {
    public let kernel: PairwiseKernel
    public let candidateRows: [Int64]
    public let ridge: Double
    /// How many rows each candidate stands for (reported, not optimised: representing many rows
    /// does not make a row more diverse).
    private let represented: [Double]?
    /// `d²_i`, the gain's argument.
    public private(set) var residual: [Double]
    /// Row `t` (of `picks` rows, `candidateCount` wide, row-major) holds every candidate's entry of
    /// the factor's column for pick `t`.
    private var factor: [Double] = []
    private var picks = 0
    private var picked: [Bool]
    private var column: [Float] = []
    private var scratch: [Float] = []

    /// - Parameters:
    ///   - candidates: the rows; they are compared by cosine (zero rows are orthogonal to everything).
    ///   - ridge: added to the kernel's diagonal (`SelectionSettings.Default.logDetRidge`).
    ///   - represented: rows each candidate stands for, summed into the picks' reported weights.
    public init(candidates: VectorBlock, candidateRows: [Int64], ridge: Double, represented: [Double]? = nil) {
        precondition(candidateRows.count == candidates.rows, "LogDeterminant: candidate rows")
        precondition(ridge > 0, "LogDeterminant: ridge must be positive")
        kernel = PairwiseKernel(measure: .shiftedCosine, targets: candidates)
        self.candidateRows = candidateRows
        self.ridge = ridge
        self.represented = represented
        let d = candidates.dimension
        residual = (0..<candidates.rows).map { r in
            let isZero = candidates.values[r * d..<(r + 1) * d].allSatisfy { $0 == 0 }
            return (isZero ? 0 : 1) + ridge
        }
        picked = [Bool](repeating: false, count: candidates.rows)
    }

    public var candidateCount: Int { candidateRows.count }

    public mutating func initialBounds() -> [Double] { residual.map(Self.gain) }

    public mutating func gains(of batch: [Int]) -> [Double] { batch.map { Self.gain(residual[$0]) } }

    public mutating func commit(_ j: Int) {
        let n = candidateCount
        kernel.values(for: [j], into: &column, scratch: &scratch)
        let dj = residual[j].squareRoot()
        // L_ji from the shifted cosine (1 + cos) / 2 the kernel computes, less ⟨c_j, c_i⟩ — one
        // matrix-vector product over the earlier picks' rows.
        var e = column.map { 2 * Double($0) - 1 }
        BLAS.subtractColumnProducts(factor, rows: picks, columns: n, column: j, from: &e)
        for i in 0..<n {
            if picked[i] || i == j { e[i] = 0; continue }
            e[i] /= dj
            residual[i] = max(residual[i] - e[i] * e[i], .leastNormalMagnitude)
        }
        e[j] = dj
        factor.append(contentsOf: e)
        picks += 1
        picked[j] = true
    }

    public func representedWeights(of selection: [Int]) -> [Double] {
        Evaluation.shares(of: selection, among: kernel.candidates, rows: candidateRows, weights: represented)
    }

    /// `log det(L_S)` of a set of rows, by a plain Cholesky factorisation (the evaluation, and the
    /// tests' reference).
    public static func value(of rows: VectorBlock, ridge: Double) -> Double {
        let n = rows.rows
        guard n > 0 else { return 0 }
        let all = PairwiseKernel(measure: .shiftedCosine, targets: rows).allValues()
        let d = rows.dimension
        var l = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            for b in 0..<n {
                l[a * n + b] =
                    a == b
                    ? (rows.values[a * d..<(a + 1) * d].allSatisfy { $0 == 0 } ? 0 : 1) + ridge
                    : 2 * Double(all[a * n + b]) - 1
            }
        }
        // In place: the lower triangle becomes the factor.
        var logDet = 0.0
        for j in 0..<n {
            var s = l[j * n + j]
            for t in 0..<j { s -= l[j * n + t] * l[j * n + t] }
            let djj = max(s, .leastNormalMagnitude).squareRoot()
            l[j * n + j] = djj
            logDet += 2 * log(djj)
            for i in j + 1..<n {
                var v = l[i * n + j]
                for t in 0..<j { v -= l[i * n + t] * l[j * n + t] }
                l[i * n + j] = v / djj
            }
        }
        return logDet
    }

    @inline(__always)
    static func gain(_ residual: Double) -> Double { log(residual) }
}
