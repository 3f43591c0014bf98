import CBLAS

/// The one doorway to OpenBLAS. Matrices are row-major `[Float]` buffers; callers pass row ranges
/// so that a block of a larger matrix is multiplied without copying it out first.
public enum BLAS {
    /// Pins OpenBLAS to one thread. Parallelism comes from worker processes, and a single thread
    /// also fixes the order of every floating-point reduction, which determinism needs (design §4).
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }

    /// The BLAS build and the CPU kernel it picked, e.g. "OpenBLAS 0.3.21 Cooperlake". OpenBLAS
    /// chooses its kernels by CPU at load time (or as `OPENBLAS_CORETYPE` says), and kernels sum a
    /// dot product in different orders (measured: Haswell's and Cooperlake's `sgemm` differ in 3 % of
    /// the values at d = 64), so the selection's bytes hold for one kernel; a run's workers must share it.
    public static let kernel: String = {
        let config = String(cString: openblas_get_config())
        let version = config.split(separator: " ").prefix(2).joined(separator: " ")
        return "\(version) \(coreName)"
    }()

    /// The CPU kernel alone, as `OPENBLAS_CORETYPE` names it: "Cooperlake", "SkylakeX", "Prescott".
    public static let coreName = String(cString: openblas_get_corename())

    /// Whether this kernel gives a dot product the same bits whatever the shape of the product it is
    /// part of: one candidate, a few, a batch of 40, a slice of the targets. The greedy's bit-for-bit
    /// guarantees across batch sizes and thread counts (lazy bounds, `--exact`'s tracked gains) rest on
    /// it. Measured once per process on fixed data (d = 64, 613 targets): true for OpenBLAS 0.3.21's
    /// Cooperlake kernel; false for its Haswell and Zen kernels (AVX2 without AVX-512), whose edge
    /// tiles sum in another order — there such values differ in the last bits (about 1 in 40).
    public static let sumsInOneOrder: Bool = shapeMismatches == 0

    /// The values of the probe behind `sumsInOneOrder` whose bits differ from a 40-row batch's.
    public static let shapeMismatches: Int = {
        let d = 64, rows = 700
        var state: UInt32 = 12345
        let values: [Float] = (0..<rows * d).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(Int32(bitPattern: state) >> 8) / Float(1 << 23)
        }
        let targets = 37..<650, n = targets.count
        var large = [Float](repeating: 0, count: 40 * n)
        multiplyTransposed(values, rows: 0..<40, by: values, rows: targets, dimension: d, into: &large)
        var mismatches = 0
        for batch in [0..<1, 5..<7, 30..<34, 3..<11] {
            var few = [Float](repeating: 0, count: batch.count * n)
            multiplyTransposed(values, rows: batch, by: values, rows: targets, dimension: d, into: &few)
            for (b, j) in batch.enumerated() {
                mismatches += (0..<n).filter { few[b * n + $0].bitPattern != large[j * n + $0].bitPattern }.count
            }
        }
        let slice = 100..<400
        var part = [Float](repeating: 0, count: 40 * slice.count)
        multiplyTransposed(
            values, rows: 0..<40, by: values, rows: targets.lowerBound + slice.lowerBound..<targets.lowerBound + slice.upperBound,
            dimension: d, into: &part)
        for j in 0..<40 {
            mismatches += (0..<slice.count).filter { part[j * slice.count + $0].bitPattern != large[j * n + slice.lowerBound + $0].bitPattern }.count
        }
        return mismatches
    }()

    /// `y −= fᵀ · f[:, column]` for a row-major `rows × columns` matrix `f` of Doubles: for every
    /// column `i`, `y[i] −= Σ_t f[t][column] · f[t][i]` (log-det's Cholesky update, one `dgemv`).
    public static func subtractColumnProducts(_ f: [Double], rows: Int, columns: Int, column: Int, from y: inout [Double]) {
        guard rows > 0, columns > 0 else { return }
        precondition(f.count >= rows * columns && column < columns && y.count >= columns, "BLAS: shapes")
        f.withUnsafeBufferPointer { fp in
            y.withUnsafeMutableBufferPointer { yp in
                cblas_dgemv(
                    CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), -1.0, fp.baseAddress!, Int32(columns),
                    fp.baseAddress! + column, Int32(columns), 1.0, yp.baseAddress!, 1)
            }
        }
    }

    /// `c[0..<m·n] = a[rowsA] · b[rowsB]ᵀ`, all row-major with `dimension` columns in `a` and `b`,
    /// so row `i` of `c` holds the dot products of `a`'s row `rowsA.lowerBound + i` with each row of
    /// `b[rowsB]`. `c` must hold at least `m·n` values.
    public static func multiplyTransposed(
        _ a: [Float], rows rowsA: Range<Int>,
        by b: [Float], rows rowsB: Range<Int>,
        dimension: Int,
        into c: inout [Float]
    ) {
        let m = rowsA.count, n = rowsB.count, d = dimension
        guard m > 0, n > 0 else { return }
        precondition(rowsA.upperBound * d <= a.count, "BLAS: a is too short")
        precondition(rowsB.upperBound * d <= b.count, "BLAS: b is too short")
        precondition(c.count >= m * n, "BLAS: c is too short")
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    product(
                        ap.baseAddress! + rowsA.lowerBound * d, m, bp.baseAddress! + rowsB.lowerBound * d, n, d,
                        into: cp.baseAddress!)
                }
            }
        }
    }

    /// Up to this many rows of `a` against at least `manyRows` of `b` are multiplied the other way round.
    static let fewRows = 4, manyRows = 64

    /// `c = a · bᵀ` (`m × n`, row-major). Why the other order for a few rows against many: `sgemm`
    /// packs both operands on every call, so lazy greedy's fresh evaluation of two candidates packs
    /// every target; as `b · aᵀ`, transposed after, that costs ~30 % less (measured: 11.2 → 8.0 ns a
    /// value for 2 × 10,000 × 64), and each value is the same dot product summed in the same order
    /// (`PairwiseKernelTests`). A single row goes in as two copies of itself: OpenBLAS hands a
    /// product with one column to `sgemv`, whose sums run in another order, and a candidate evaluated
    /// alone must get the gain it gets in a batch.
    private static func product(
        _ a: UnsafePointer<Float>, _ m: Int, _ b: UnsafePointer<Float>, _ n: Int, _ d: Int,
        into c: UnsafeMutablePointer<Float>
    ) {
        if m == 1 && n >= manyRows {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * d + 2 * n) { t in
                let pair = t.baseAddress!, both = pair + 2 * d
                pair.update(from: a, count: d)
                (pair + d).update(from: a, count: d)
                product(pair, 2, b, n, d, into: both)
                c.update(from: both, count: n)
            }
            return
        }
        guard (2...fewRows).contains(m) && n >= manyRows else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(d),
                1.0, a, Int32(d), b, Int32(d), 0.0, c, Int32(n))
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: m * n) { t in
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(d),
                1.0, b, Int32(d), a, Int32(d), 0.0, t.baseAddress!, Int32(m))
            for j in 0..<n {
                for i in 0..<m { c[i &* n &+ j] = t[j &* m &+ i] }
            }
        }
    }

    /// `c[0..<n·n] = map(a · aᵀ)` for the row-major `n × dimension` matrix `a`: a block's rows
    /// against themselves. `ssyrk` computes the upper triangle (half of `sgemm`'s work); the map is
    /// applied to it row by row and the triangle mirrored onto the lower one, so `c` is exactly
    /// symmetric. `c` must hold at least `n·n` values.
    public static func multiplySelfTransposed(
        _ a: [Float], rows n: Int, dimension: Int, into c: inout [Float],
        map: Kernels.ElementMap = .identity
    ) {
        guard n > 0 else { return }
        precondition(n * dimension <= a.count, "BLAS: a is too short")
        precondition(c.count >= n * n, "BLAS: c is too short")
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in writeSelfProduct(ap.baseAddress!, rows: n, dimension: dimension, into: cp.baseAddress!, map: map) }
        }
    }

    /// `map(a · aᵀ)` as a new row-major `n × n` block, as `multiplySelfTransposed` computes it, without
    /// zero-filling the block first: `ssyrk` (β = 0) writes every value of the upper triangle and the
    /// mirroring every one below it, so a fill would only be written over (a chunk's 256 MiB at 8,192 rows).
    public static func selfProduct(_ a: [Float], rows n: Int, dimension: Int, map: Kernels.ElementMap = .identity) -> [Float] {
        guard n > 0 else { return [] }
        precondition(n * dimension <= a.count, "BLAS: a is too short")
        return [Float](unsafeUninitializedCapacity: n * n) { c, count in
            a.withUnsafeBufferPointer { ap in writeSelfProduct(ap.baseAddress!, rows: n, dimension: dimension, into: c.baseAddress!, map: map) }
            count = n * n
        }
    }

    /// Writes every value of `c[0..<n·n]`: the upper triangle by `ssyrk` (β = 0: `c` is not read),
    /// mapped row by row, then mirrored onto the lower one.
    private static func writeSelfProduct(
        _ a: UnsafePointer<Float>, rows n: Int, dimension: Int, into c: UnsafeMutablePointer<Float>, map: Kernels.ElementMap
    ) {
        writeUpperTriangle(a, rows: n, dimension: dimension, into: c)
        for i in 0..<n { map.apply(c + (i &* n &+ i), count: n - i) }
        mirrorUpper(c, n: n)
    }

    /// `c`'s upper triangle = `a · aᵀ`'s, by one `ssyrk` (β = 0: `c` is not read).
    private static func writeUpperTriangle(_ a: UnsafePointer<Float>, rows n: Int, dimension: Int, into c: UnsafeMutablePointer<Float>) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(dimension), 1.0, a, Int32(dimension), 0.0, c, Int32(n))
    }

    /// `c`'s upper triangle = `a · aᵀ`'s, by one `ssyrk` and nothing else: the floor under a chunk's
    /// similarity block (`winnow bench`), which `multiplySelfTransposed` maps and mirrors on top.
    public static func upperSelfProduct(_ a: [Float], rows n: Int, dimension: Int, into c: inout [Float]) {
        guard n > 0 else { return }
        precondition(n * dimension <= a.count && c.count >= n * n, "BLAS: a or c is too short")
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in writeUpperTriangle(ap.baseAddress!, rows: n, dimension: dimension, into: cp.baseAddress!) }
        }
    }

    /// Copies the upper triangle of a row-major `n × n` matrix onto its lower one a 32 × 32 tile at
    /// a time through a small buffer: rows of a block lie a power of two apart, so a direct strided
    /// transpose keeps evicting its own cache lines.
    private static func mirrorUpper(_ c: UnsafeMutablePointer<Float>, n: Int) {
        let tile = 32
        withUnsafeTemporaryAllocation(of: Float.self, capacity: tile * tile) { buffer in
            let b = buffer.baseAddress!
            for top in stride(from: 0, to: n, by: tile) {
                let height = min(tile, n - top)
                // The diagonal tile: its own lower half.
                let corner = c + (top &* n &+ top)
                for r in 1..<max(1, height) {
                    let lower = corner + r &* n
                    for q in 0..<r { lower[q] = corner[q &* n &+ r] }
                }
                for left in stride(from: top + tile, to: n, by: tile) {
                    let width = min(tile, n - left)
                    for r in 0..<height {
                        let source = c + ((top &+ r) &* n &+ left)
                        (b + r &* tile).update(from: source, count: width)
                    }
                    for q in 0..<width {
                        let target: UnsafeMutablePointer<Float> = c + ((left &+ q) &* n &+ top)
                        for r in 0..<height { target[r] = b[r &* tile &+ q] }
                    }
                }
            }
        }
    }
}
