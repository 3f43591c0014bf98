/// Inner loops of the greedy optimizers, written once over raw buffers so that the algorithms in
/// WinnowCore stay free of pointer code. Every reduction runs in a fixed order (lanes of 8, blocks of
/// 512 folded into a Double), so the same inputs give the same bits on every run, and every result is
/// monotone in its terms — lazy greedy relies on that to agree exactly with naive greedy.
public enum Kernels {
    static let blockLength = 512

    /// `Σ_i w_i · max(0, sims[offset + i] − cover[i])` for `i` in `0..<cover.count`;
    /// `weights == nil` means every weight is 1.
    public static func facilityGain(_ sims: [Float], offset: Int, cover: [Float], weights: [Float]?) -> Double {
        let n = cover.count
        precondition(offset >= 0 && offset + n <= sims.count, "facilityGain: sims too short")
        if let weights { precondition(weights.count == n, "facilityGain: weights length") }
        return sims.withUnsafeBufferPointer { sp in
            cover.withUnsafeBufferPointer { cp in
                let s = UnsafeRawPointer(sp.baseAddress! + offset)
                let c = UnsafeRawPointer(cp.baseAddress!)
                guard let weights else {
                    return reduce(n) { i in
                        let d =
                            s.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                            - c.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        return d.replacing(with: 0, where: d .< 0)
                    } scalar: { i in
                        max(0, sp[offset + i] - cp[i])
                    }
                }
                return weights.withUnsafeBufferPointer { wp in
                    let w = UnsafeRawPointer(wp.baseAddress!)
                    return reduce(n) { i in
                        let d =
                            s.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                            - c.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        return d.replacing(with: 0, where: d .< 0)
                            * w.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    } scalar: { i in
                        max(0, sp[offset + i] - cp[i]) * wp[i]
                    }
                }
            }
        }
    }

    /// `Σ_i w_i · values[offset + i]` over `count` values, in the same fixed order as `facilityGain`.
    public static func weightedSum(_ values: [Float], offset: Int, count n: Int, weights: [Float]?) -> Double {
        precondition(offset >= 0 && offset + n <= values.count, "weightedSum: values too short")
        return values.withUnsafeBufferPointer { vp in
            let v = UnsafeRawPointer(vp.baseAddress! + offset)
            guard let weights else {
                return reduce(n) { i in
                    v.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                } scalar: { i in
                    vp[offset + i]
                }
            }
            return weights.withUnsafeBufferPointer { wp in
                let w = UnsafeRawPointer(wp.baseAddress!)
                return reduce(n) { i in
                    v.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        * w.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                } scalar: { i in
                    vp[offset + i] * wp[i]
                }
            }
        }
    }

    @inline(__always)
    private static func reduce(
        _ n: Int, lanes: (Int) -> SIMD8<Float>, scalar: (Int) -> Float
    ) -> Double {
        var total = 0.0
        var i = 0
        while i + 8 <= n {
            let end = min(n - (n - i) % 8, i + blockLength)
            var acc = SIMD8<Float>(repeating: 0)
            while i < end {
                acc += lanes(i)
                i += 8
            }
            total += Double(acc.sum())
        }
        while i < n {
            total += Double(scalar(i))
            i += 1
        }
        return total
    }

    /// The `j` with the smallest `norms[j] − 2 · dots[offset + j]` over `j < norms.count` (ties: the
    /// smaller `j`): a row's nearest centroid from its row of an `sgemm` of dot products. Eight lanes
    /// at a time, each keeping its first smallest; the lanes then settle by value, then index — the
    /// same answer, value for value, as the scalar scan.
    public static func nearest(_ dots: [Float], offset: Int, norms: [Float]) -> Int {
        let k = norms.count
        precondition(k >= 1 && offset >= 0 && offset + k <= dots.count, "nearest: dots too short")
        return dots.withUnsafeBufferPointer { dp in
            norms.withUnsafeBufferPointer { np in
                let d = dp.baseAddress! + offset, n = np.baseAddress!
                var best = 0, bestValue = Float.infinity
                var j = 0
                if k >= 8 {
                    var laneValue = SIMD8<Float>(repeating: .infinity), laneIndex = SIMD8<Int32>(repeating: 0)
                    var index = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
                    let step = SIMD8<Int32>(repeating: 8)
                    while j + 8 <= k {
                        let v =
                            UnsafeRawPointer(n + j).loadUnaligned(as: SIMD8<Float>.self)
                            - 2 * UnsafeRawPointer(d + j).loadUnaligned(as: SIMD8<Float>.self)
                        let better = v .< laneValue
                        laneValue.replace(with: v, where: better)
                        laneIndex.replace(with: index, where: better)
                        index &+= step
                        j += 8
                    }
                    for l in 0..<8 where laneValue[l] < bestValue || (laneValue[l] == bestValue && Int(laneIndex[l]) < best) {
                        bestValue = laneValue[l]
                        best = Int(laneIndex[l])
                    }
                }
                while j < k {
                    let v = n[j] - 2 * d[j]
                    if v < bestValue { best = j; bestValue = v }
                    j += 1
                }
                return best
            }
        }
    }

    /// `‖a[ao..<ao+n] − b[bo..<bo+n]‖²`, from the differences themselves (no cancellation, so a row
    /// near another gets a small distance, not rounding noise), in eight lanes folded in a fixed order.
    public static func squaredDistance(_ a: [Float], offset ao: Int, _ b: [Float], offset bo: Int, count n: Int) -> Float {
        precondition(ao >= 0 && bo >= 0 && ao + n <= a.count && bo + n <= b.count, "squaredDistance: rows out of range")
        return a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let x = ap.baseAddress! + ao, y = bp.baseAddress! + bo
                var lanes = SIMD8<Float>()
                var j = 0
                while j + 8 <= n {
                    let diff = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Float>.self)
                    lanes += diff * diff
                    j += 8
                }
                var sum = lanes.sum()
                while j < n {
                    let diff = x[j] - y[j]
                    sum += diff * diff
                    j += 1
                }
                return sum
            }
        }
    }

    /// `best[i] = max(best[i], values[offset + i])` (`largest`) or the min, for every `i` of `best`:
    /// an evaluation's running best value per target, one selected row's column at a time.
    public static func keepBest(_ values: [Float], offset: Int, into best: inout [Float], largest: Bool) {
        let n = best.count
        precondition(offset >= 0 && offset + n <= values.count, "keepBest: values too short")
        values.withUnsafeBufferPointer { vp in
            best.withUnsafeMutableBufferPointer { bp in
                let v = vp.baseAddress! + offset, b = bp.baseAddress!
                if largest {
                    for i in 0..<n where v[i] > b[i] { b[i] = v[i] }
                } else {
                    for i in 0..<n where v[i] < b[i] { b[i] = v[i] }
                }
            }
        }
    }

    /// Every `i` in `0 ..< count` with `values[offset + i] >= threshold`, in increasing order, into
    /// `hits` (emptied first): a row of a tile scanned for a single target (equal values pass: the
    /// caller settles ties). Eight lanes are compared at a time.
    public static func indicesReaching(_ values: [Float], offset: Int, count: Int, threshold: Float, into hits: inout [Int]) {
        precondition(offset >= 0 && offset + count <= values.count, "indicesReaching: values too short")
        hits.removeAll(keepingCapacity: true)
        values.withUnsafeBufferPointer { vp in
            let v = UnsafeRawPointer(vp.baseAddress! + offset), t = SIMD8<Float>(repeating: threshold)
            var i = 0
            while i + 8 <= count {
                let reach = v.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) .>= t
                if any(reach) {
                    for lane in 0..<8 where reach[lane] { hits.append(i + lane) }
                }
                i += 8
            }
            while i < count {
                if vp[offset + i] >= threshold { hits.append(i) }
                i += 1
            }
        }
    }

    /// How a dot product becomes a measure's value when nothing else is needed (no norms): one
    /// definition for a block mapped in place (`map`) and for a symmetric block mapped before it is
    /// mirrored (`BLAS.multiplySelfTransposed`).
    public enum ElementMap: Sendable {
        case identity
        /// `x ↦ clamp((1 + x) / 2, 0, 1)`: the shifted cosine of unit rows.
        case shiftCosine
        /// `x ↦ max(0, x)`.
        case clampNegative
        /// `x ↦ clamp(1 − x, 0, 2)`: the cosine distance of unit rows.
        case cosineDistance

        /// Maps `count` values in place; the switch sits outside the loops so each is vectorised.
        func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
            switch self {
            case .identity: return
            case .shiftCosine: for i in 0..<count { p[i] = min(1, max(0, (1 + p[i]) * 0.5)) }
            case .clampNegative: for i in 0..<count where p[i] < 0 { p[i] = 0 }
            case .cosineDistance: for i in 0..<count { p[i] = min(2, max(0, 1 - p[i])) }
            }
        }
    }

    /// Applies `map` to `values[range]` in place.
    public static func map(_ values: inout [Float], range: Range<Int>, _ map: ElementMap) {
        precondition(range.lowerBound >= 0 && range.upperBound <= values.count, "map: range out of bounds")
        values.withUnsafeMutableBufferPointer { vp in
            map.apply(vp.baseAddress! + range.lowerBound, count: range.count)
        }
    }
}
