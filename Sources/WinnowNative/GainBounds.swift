/// Upper bounds on facility-location gains read from a 16-bit copy of a held similarity block: half
/// the bytes of the Float block, and a gain evaluation over a block too large for the caches is a
/// stream of memory reads (an 8,192-row chunk's column is 32 KiB; lazy greedy reads tens of thousands
/// of them). Lazy greedy accepts any upper bound, so it ranks candidates by these and computes the
/// Float gain only of a candidate whose bound reaches the top: the same picks, fewer bytes read.
///
/// A value `s` in [0, 1] is stored as an integer level `q ≥ scale · s` and a cover `c ≥ 0` is read as
/// a level `≤ scale · c`, so every term `max(0, q − c')` is at least `scale · max(0, s − c)`. The
/// Float gain is summed with a relative rounding below 74 · 2^-24 ≈ 4.4e-6 each way (Float lanes of 64
/// terms, then the 8 lanes, then Double), and so are weighted terms here; unweighted ones are summed
/// exactly. `bound` widens its sum by more than both roundings together.
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
    public static func coverLevel(_ c: Float) -> UInt16 {
        let scaled = c * scale - 0.01
        return scaled < 1 ? 0 : UInt16(clamping: Int32(scaled))
    }

    /// An upper bound on `Kernels.facilityGain(sims, offset:, cover:, weights:)` for the values whose
    /// levels are `levels[offset..<offset + covers.count]`, the cover's levels being `covers`. Without
    /// weights the terms `max(q, c) − c` are summed exactly in integers (half the vector work of Float
    /// terms: a bound is read tens of thousands of times a chunk); with weights, in Float lanes.
    public static func bound(_ levels: [UInt16], offset: Int, covers: [UInt16], weights: [Float]?) -> Double {
        let n = covers.count
        precondition(offset >= 0 && offset + n <= levels.count, "GainBounds: levels too short")
        if let weights { precondition(weights.count == n, "GainBounds: weights length") }
        let total = levels.withUnsafeBufferPointer { lp in
            covers.withUnsafeBufferPointer { cp in
                let q = UnsafeRawPointer(lp.baseAddress! + offset), c = UnsafeRawPointer(cp.baseAddress!)
                @inline(__always) func terms(_ i: Int) -> SIMD8<UInt16> {
                    let v = q.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<UInt16>.self)
                    let cover = c.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<UInt16>.self)
                    return pointwiseMax(v, cover) &- cover
                }
                @inline(__always) func term(_ i: Int) -> Int { max(0, Int(lp[offset + i]) - Int(cp[i])) }
                guard let weights else { return Double(integerSum(n, terms: terms, tail: term)) }
                return weights.withUnsafeBufferPointer { wp in
                    let w = UnsafeRawPointer(wp.baseAddress!)
                    var total = 0.0
                    var i = 0
                    while i + 8 <= n {
                        let end = min(n - (n - i) % 8, i + Kernels.blockLength)
                        var acc = SIMD8<Float>(repeating: 0)
                        while i < end {
                            acc += SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: terms(i))) * w.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                            i &+= 8
                        }
                        total += Double(acc.sum())
                    }
                    while i < n {
                        total += Double(Float(term(i)) * wp[i])
                        i += 1
                    }
                    return total
                }
            }
        }
        return total / Double(scale) * (1 + widening)
    }

    /// `Σ terms` over `0..<n`, eight at a time from `terms` (each lane at most 65,535) and the rest one
    /// at a time from `tail`, exactly. The eight 16-bit terms are read as four 32-bit lanes, their low
    /// and high halves summed apart, each lane flushed to 64 bits before it could overflow.
    @inline(__always)
    private static func integerSum(_ n: Int, terms: (Int) -> SIMD8<UInt16>, tail: (Int) -> Int) -> UInt64 {
        let lowHalf = SIMD4<UInt32>(repeating: 0xFFFF)
        var total: UInt64 = 0
        var i = 0
        while i + 8 <= n {
            // At most 65,535 a half and 8,192 rounds: below 2^29 a lane, the four below 2^31.
            let end = i + min(8_192, (n - i) / 8) &* 8
            var low = SIMD4<UInt32>(repeating: 0), high = SIMD4<UInt32>(repeating: 0)
            while i < end {
                let pairs = unsafeBitCast(terms(i), to: SIMD4<UInt32>.self)
                low &+= pairs & lowHalf
                high &+= pairs &>> 16
                i &+= 8
            }
            total &+= UInt64(low.wrappedSum()) &+ UInt64(high.wrappedSum())
        }
        while i < n {
            total &+= UInt64(tail(i))
            i &+= 1
        }
        return total
    }
}
