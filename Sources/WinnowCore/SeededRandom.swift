import Foundation

/// A seeded, portable random stream (xoshiro256**, seeded through SplitMix64). Winnow never uses the
/// system generator: every random choice must come back bit for bit from `--seed`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// A stream for one task: the run's seed mixed with a purpose tag and the task's coordinates, so
    /// that a task draws the same numbers whichever worker runs it and however often it is retried.
    public init(seed: UInt64, stream: Stream, _ a: Int = 0, _ b: Int = 0) {
        var sm = SplitMix64(state: seed)
        var mixed = sm.next() ^ stream.rawValue
        var ma = SplitMix64(state: mixed &+ UInt64(truncatingIfNeeded: a) &* 0x9E37_79B9_7F4A_7C15)
        mixed = ma.next()
        var mb = SplitMix64(state: mixed &+ UInt64(truncatingIfNeeded: b) &* 0xBF58_476D_1CE4_E5B9)
        mixed = mb.next()
        self.init(seed: mixed)
    }

    /// What a stream is for; distinct tags keep the streams of one task independent.
    public struct Stream: Sendable {
        public let rawValue: UInt64
        public static let partition = Stream(rawValue: 0x7061_7274)
        public static let task = Stream(rawValue: 0x7461_736B)
        public static let evaluation = Stream(rawValue: 0x6576_616C)
        public static let baseline = Stream(rawValue: 0x7261_6E64)
        public static let synthetic = Stream(rawValue: 0x7379_6E74)
        public static let rowSample = Stream(rawValue: 0x726F_7773)
        public static let randomKey = Stream(rawValue: 0x6B65_7973)
        public static let coverage = Stream(rawValue: 0x636F_7665)
        public static let kMeansSeed = Stream(rawValue: 0x6B6D_6E73)
        public static let clusterSplit = Stream(rawValue: 0x7370_6C69)
        public static let secondLevel = Stream(rawValue: 0x6C65_7632)
        public static let sensitivity = Stream(rawValue: 0x7365_6E73)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform integer in `0..<bound` by rejection (unbiased, and unlike `Int.random(in:using:)`
    /// its algorithm is fixed here, so results never change with the standard library).
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// A uniform Double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal value (Box–Muller, one value per call).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Fisher–Yates shuffle with this stream.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, index(below: i + 1))
        }
    }

    /// `count` distinct values of `0..<population`, sorted (partial Fisher–Yates over a sparse map,
    /// so memory is O(count) however large the population).
    public mutating func sample(_ count: Int, of population: Int) -> [Int] {
        let count = min(count, population)
        var swapped: [Int: Int] = [:]
        var picks: [Int] = []
        picks.reserveCapacity(count)
        for i in 0..<count {
            let j = i + index(below: population - i)
            let vj = swapped[j] ?? j
            swapped[j] = swapped[i] ?? i
            picks.append(vj)
        }
        return picks.sorted()
    }
}

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
