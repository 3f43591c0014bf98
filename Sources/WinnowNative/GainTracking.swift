/// Loops that keep facility-location gains current as the cover rises (`TrackedGains` in
/// WinnowCore). Each term is computed exactly as `facilityGain` computes it, `max(0, s − c) · w` in
/// Float; the terms are then added in Double, so that a sum built up and later taken apart term by
/// term (a target's term leaves a candidate's sum when its cover rises) keeps no Float rounding.
extension Kernels {
    /// `Σ_i w_i · max(0, values[offset + i] − cover[coverOffset + i])` over `i < count`, added in
    /// Double; `weights` (nil: all 1) are read from `coverOffset` like the cover.
    public static func termSum(
        _ values: [Float], offset: Int, count: Int, cover: [Float], coverOffset: Int,
        weights: [Float]?
    ) -> Double {
        precondition(offset >= 0 && offset + count <= values.count, "termSum: values too short")
        precondition(coverOffset >= 0 && coverOffset + count <= cover.count, "termSum: cover too short")
        if let weights { precondition(weights.count == cover.count, "termSum: weights length") }
        return values.withUnsafeBufferPointer { vp in
            cover.withUnsafeBufferPointer { cp in
                let v = UnsafeRawPointer(vp.baseAddress! + offset), c = UnsafeRawPointer(cp.baseAddress! + coverOffset)
                let one = SIMD8<Float>(repeating: 1)
                func sum(_ w: UnsafeRawPointer?) -> Double {
                    var acc = SIMD8<Double>(repeating: 0)
                    var i = 0
                    while i + 8 <= count {
                        var d =
                            v.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                            - c.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        d.replace(with: 0, where: d .< 0)
                        acc += SIMD8<Double>(d * (w?.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) ?? one))
                        i += 8
                    }
                    var total = acc.sum()
                    while i < count {
                        let t = max(0, vp[offset + i] - cp[coverOffset + i])
                        total += Double(w.map { t * $0.load(fromByteOffset: i * 4, as: Float.self) } ?? t)
                        i += 1
                    }
                    return total
                }
                guard let weights else { return sum(nil) }
                return weights.withUnsafeBufferPointer { wp in sum(UnsafeRawPointer(wp.baseAddress! + coverOffset)) }
            }
        }
    }

    /// `sums[at + i] += w · max(0, values[offset + i] − c)` for `i < count`, in Double: one target's
    /// term (cover `c`, weight `w`) in each of `count` candidates' sums.
    public static func addTerms(
        _ values: [Float], offset: Int, count: Int, cover c: Float, weight w: Float,
        into sums: inout [Double], at: Int
    ) {
        precondition(offset >= 0 && offset + count <= values.count, "addTerms: values too short")
        precondition(at >= 0 && at + count <= sums.count, "addTerms: sums too short")
        values.withUnsafeBufferPointer { vp in
            sums.withUnsafeMutableBufferPointer { sp in
                let v = UnsafeRawPointer(vp.baseAddress! + offset), s = sp.baseAddress! + at
                let cv = SIMD8<Float>(repeating: c), wv = SIMD8<Float>(repeating: w)
                var i = 0
                while i + 8 <= count {
                    var d = v.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - cv
                    d.replace(with: 0, where: d .< 0)
                    let p = UnsafeMutableRawPointer(s + i)
                    p.storeBytes(of: p.loadUnaligned(as: SIMD8<Double>.self) + SIMD8<Double>(d * wv), as: SIMD8<Double>.self)
                    i += 8
                }
                while i < count {
                    s[i] += Double(max(0, vp[offset + i] - c) * w)
                    i += 1
                }
            }
        }
    }

    /// `delta[j] += w · max(0, v_j − from) − w · max(0, v_j − to)` for every `j < delta.count`, with
    /// `v_j = values[offset + j]`: how much each candidate's term for one target falls when that
    /// target's cover rises from `from` to `to`. Returns how many `v_j` stay above `to` (the target's
    /// pairs still live).
    @discardableResult
    public static func lowerTerms(
        _ values: [Float], offset: Int, from a: Float, to b: Float, weight w: Float,
        into delta: inout [Double]
    ) -> Int {
        let count = delta.count
        precondition(offset >= 0 && offset + count <= values.count, "lowerTerms: values too short")
        return values.withUnsafeBufferPointer { vp in
            delta.withUnsafeMutableBufferPointer { dp in
                let v = UnsafeRawPointer(vp.baseAddress! + offset), s = dp.baseAddress!
                let av = SIMD8<Float>(repeating: a), bv = SIMD8<Float>(repeating: b), wv = SIMD8<Float>(repeating: w)
                var live = SIMD8<Int32>(repeating: 0)
                var i = 0
                while i + 8 <= count {
                    let x = v.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    var old = x - av, new = x - bv
                    old.replace(with: 0, where: old .< 0)
                    new.replace(with: 0, where: new .< 0)
                    live &+= SIMD8<Int32>(repeating: 1).replacing(with: 0, where: x .<= bv)
                    let p = UnsafeMutableRawPointer(s + i)
                    p.storeBytes(
                        of: p.loadUnaligned(as: SIMD8<Double>.self)
                            + (SIMD8<Double>(old * wv) - SIMD8<Double>(new * wv)), as: SIMD8<Double>.self)
                    i += 8
                }
                var total = Int(live.wrappedSum())
                while i < count {
                    let x = vp[offset + i]
                    s[i] += Double(max(0, x - a) * w) - Double(max(0, x - b) * w)
                    if x > b { total += 1 }
                    i += 1
                }
                return total
            }
        }
    }
}
