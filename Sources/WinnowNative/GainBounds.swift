/// Upper bounds on facility-location gains read from a 16-bit copy of a held similarity block: half
/// the bytes of the Float block, and a gain evaluation over a block too large for the caches is a
/// stream of memory reads (an 8,192-row chunk's column is 32 KiB; lazy greedy reads tens of thousands
/// of them). Lazy greedy accepts any upper bound, so it ranks candidates by these and computes the
/// Float gain only of a candidate whose bound reaches the top: the same picks, fewer bytes read.
///
/// A value `s` in [0, 1] is stored as an integer level `q ≥ scale · s` and a cover `c ≥ 0` is read as
/// a level `≤ scale · c`, so every term `max(0, q − c')` is at least `scale · max(0, s − c)`. The
/// terms are summed as `Kernels.facilityGain` sums its own (Float lanes of 64 terms, then the 8 lanes,
/// then Double), a relative rounding below 74 · 2^-24 ≈ 4.4e-6 each way, so `bound` widens its sum by
/// more than both together.
public enum GainBounds {
    /// Levels per unit of similarity: below 2^16 − 1 so that a value of 1, with the slack that makes
    /// its level an upper bound, still fits in 16 bits.
    static let scale: Float = 65534
    /// Above the Float gain's worst relative rounding (see above) with room to spare.
    static let widening = 3e-5

    /// Each value's level, or nil when a value lies outside [0, 1] (give or take a rounding; other
    /// measures' values, e.g. a dot product's): the bounds would not hold, and callers do without.
    public static func levels(of values: [Float]) -> [UInt16]? {
        var inRange = true
        let out = [UInt16](unsafeUninitializedCapacity: values.count) { q, count in
            values.withUnsafeBufferPointer { vp in
                inRange = fill(q.baseAddress!, from: vp.baseAddress!, count: values.count)
            }
            count = values.count
        }
        return inRange ? out : nil
    }

    /// The levels of a block of `columns` columns of `length` values, made in the same pass that
    /// reads every column's Float gain at `cover` (`Kernels.facilityGain`, the same bits): each
    /// column is read from memory once, for both. No levels when a value has none.
    public static func levelsAndGains(
        of block: [Float], columns: Int, length: Int, cover: [Float], weights: [Float]?
    ) -> (levels: [UInt16]?, gains: [Double]) {
        precondition(block.count == columns * length && cover.count == length, "GainBounds: block size")
        var inRange = true
        var gains = [Double](repeating: 0, count: columns)
        let out = [UInt16](unsafeUninitializedCapacity: block.count) { q, count in
            block.withUnsafeBufferPointer { vp in
                for j in 0..<columns {
                    gains[j] = Kernels.facilityGain(block, offset: j &* length, cover: cover, weights: weights)
                    if !fill(q.baseAddress! + j &* length, from: vp.baseAddress! + j &* length, count: length) { inRange = false }
                }
            }
            count = block.count
        }
        return (inRange ? out : nil, gains)
    }

    /// `count` values' levels into `q`; false when one lies outside what a level holds.
    private static func fill(_ q: UnsafeMutablePointer<UInt16>, from values: UnsafePointer<Float>, count n: Int) -> Bool {
        var inRange = true
        let v = UnsafeRawPointer(values), out = UnsafeMutableRawPointer(q)
        // `y + 2^23` rounds y (0 ≤ y < 2^23) to the nearest integer in the low bits of its
        // pattern: a conversion in plain SIMD arithmetic. With y = fl(s · scale) + 0.51 the
        // integer is at least s · scale + 0.006 (each of the two roundings is below 0.002).
        let scale = SIMD8<Float>(repeating: Self.scale), slack = SIMD8<Float>(repeating: 0.51)
        let magic = SIMD8<Float>(repeating: 8_388_608), magicBits = SIMD8<Int32>(repeating: 0x4B00_0000)
        var low = SIMD8<Int32>(repeating: 0), high = SIMD8<Int32>(repeating: 0)
        func level(_ x: SIMD8<Float>) -> SIMD8<Int32> {
            unsafeBitCast((x * scale + slack) + magic, to: SIMD8<Int32>.self) &- magicBits
        }
        var i = 0
        while i + 8 <= n {
            let t = level(v.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            low = low.replacing(with: t, where: t .< low)
            high = high.replacing(with: t, where: t .> high)
            out.storeBytes(of: SIMD8<UInt16>(truncatingIfNeeded: t), toByteOffset: i &* 2, as: SIMD8<UInt16>.self)
            i &+= 8
        }
        while i < n {
            let t = level(SIMD8<Float>(repeating: values[i]))[0]
            if t < 0 || t > 65535 { inRange = false }
            q[i] = UInt16(truncatingIfNeeded: t)
            i &+= 1
        }
        // A NaN's level is its pattern less the magic one: far out of range, refused too.
        if low.min() < 0 || high.max() > 65535 { inRange = false }
        return inRange
    }

    /// A cover's level: at most `scale · c` for `c ≥ 0` (0 below one level).
    @inline(__always)
    public static func coverLevel(_ c: Float) -> Float {
        let scaled = c * scale - 0.01
        return scaled < 1 ? 0 : Float(Int32(scaled))
    }

    /// An upper bound on `Kernels.facilityGain(sims, offset:, cover:, weights:)` for the values whose
    /// levels are `levels[offset..<offset + covers.count]`, the cover's levels being `covers`.
    public static func bound(_ levels: [UInt16], offset: Int, covers: [Float], weights: [Float]?) -> Double {
        let n = covers.count
        precondition(offset >= 0 && offset + n <= levels.count, "GainBounds: levels too short")
        if let weights { precondition(weights.count == n, "GainBounds: weights length") }
        let total = levels.withUnsafeBufferPointer { lp in
            covers.withUnsafeBufferPointer { cp in
                let q = UnsafeRawPointer(lp.baseAddress! + offset), c = UnsafeRawPointer(cp.baseAddress!)
                let zero = SIMD8<Float>(repeating: 0)
                @inline(__always) func term(_ i: Int) -> SIMD8<Float> {
                    let v = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: q.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<UInt16>.self)))
                    let d = v - c.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                    return d.replacing(with: zero, where: d .< zero)
                }
                @inline(__always) func scalarTerm(_ i: Int) -> Float { max(0, Float(lp[offset + i]) - cp[i]) }
                var total = 0.0
                var i = 0
                guard let weights else {
                    while i + 8 <= n {
                        let end = min(n - (n - i) % 8, i + Kernels.blockLength)
                        var acc = zero
                        while i < end {
                            acc += term(i)
                            i &+= 8
                        }
                        total += Double(acc.sum())
                    }
                    while i < n {
                        total += Double(scalarTerm(i))
                        i += 1
                    }
                    return total
                }
                return weights.withUnsafeBufferPointer { wp in
                    let w = UnsafeRawPointer(wp.baseAddress!)
                    while i + 8 <= n {
                        let end = min(n - (n - i) % 8, i + Kernels.blockLength)
                        var acc = zero
                        while i < end {
                            acc += term(i) * w.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                            i &+= 8
                        }
                        total += Double(acc.sum())
                    }
                    while i < n {
                        total += Double(scalarTerm(i) * wp[i])
                        i += 1
                    }
                    return total
                }
            }
        }
        return total / Double(scale) * (1 + widening)
    }
}
