/// One bounded min-heap per target in one flat array: target `i`'s K entries are slots
/// `i · k ..< (i + 1) · k`, slot `i · k` its worst kept entry (the smallest value; among equal values
/// the larger candidate). Empty slots hold −∞ and candidate −1, so that while a list is short every
/// finite value enters. What a target keeps is its K best values (ties: the smaller candidate) of all
/// offered, whatever the order they came in.
///
/// Offers are the hot loop of a merge's neighbour lists: a row of values is compared with the
/// targets' thresholds eight at a time, and a value that reaches one is sifted into that target's
/// heap in place, its value and candidate side by side (one cache line, no checked swaps).
public struct TopHeaps: Sendable {
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var value: Float
        @usableFromInline var candidate: Int32
    }

    public let k: Int
    @usableFromInline var slots: [Slot]
    /// `slots[i · k].value`, contiguous: what a new value must reach to be offered to target `i`.
    private var threshold: [Float]

    public init(count: Int, k: Int) {
        precondition(k >= 1, "TopHeaps: K must be at least 1")
        self.k = k
        slots = [Slot](repeating: Slot(value: -.infinity, candidate: -1), count: count * k)
        threshold = [Float](repeating: -.infinity, count: count)
    }

    /// Slots in all: K for each target.
    public var slotCount: Int { slots.count }

    /// Slot `slot`'s value and candidate (−1: empty).
    @inlinable
    public func entry(_ slot: Int) -> (value: Float, candidate: Int32) {
        (slots[slot].value, slots[slot].candidate)
    }

    /// Candidate `candidate`'s values `values[offset ..< offset + count]` for the targets
    /// `firstTarget ..< firstTarget + count`, each offered to its target.
    public mutating func offerRow(_ values: [Float], offset: Int, count: Int, firstTarget: Int, candidate: Int32) {
        precondition(offset >= 0 && offset + count <= values.count, "TopHeaps: values too short")
        precondition(firstTarget >= 0 && firstTarget + count <= threshold.count, "TopHeaps: targets out of range")
        let k = self.k
        values.withUnsafeBufferPointer { vp in
            threshold.withUnsafeMutableBufferPointer { tp in
                slots.withUnsafeMutableBufferPointer { sp in
                    let v = vp.baseAddress! + offset, t = tp.baseAddress! + firstTarget
                    let heaps = sp.baseAddress! + firstTarget &* k
                    let vr = UnsafeRawPointer(v), tr = UnsafeRawPointer(t)
                    var i = 0
                    while i + 8 <= count {
                        let reach =
                            vr.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                            .>= tr.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                        if any(reach) {
                            for lane in 0..<8 where reach[lane] {
                                let at = i &+ lane
                                Self.offer(v[at], candidate, to: heaps + at &* k, k: k, threshold: t + at)
                            }
                        }
                        i &+= 8
                    }
                    while i < count {
                        if v[i] >= t[i] { Self.offer(v[i], candidate, to: heaps + i &* k, k: k, threshold: t + i) }
                        i &+= 1
                    }
                }
            }
        }
    }

    /// Target `target`'s values `values[offset ..< offset + count]` for the candidates
    /// `firstCandidate ..< firstCandidate + count`, offered to it.
    public mutating func offerColumn(_ values: [Float], offset: Int, count: Int, target: Int, firstCandidate: Int32) {
        precondition(offset >= 0 && offset + count <= values.count, "TopHeaps: values too short")
        precondition(target >= 0 && target < threshold.count, "TopHeaps: target out of range")
        let k = self.k
        values.withUnsafeBufferPointer { vp in
            threshold.withUnsafeMutableBufferPointer { tp in
                slots.withUnsafeMutableBufferPointer { sp in
                    let v = vp.baseAddress! + offset, t = tp.baseAddress! + target, heap = sp.baseAddress! + target &* k
                    for c in 0..<count where v[c] >= t.pointee {
                        Self.offer(v[c], firstCandidate &+ Int32(c), to: heap, k: k, threshold: t)
                    }
                }
            }
        }
    }

    /// Whether `(v, j)` is kept before `(w, l)`: a smaller value, or an equal one of a larger candidate.
    @inline(__always)
    private static func worse(_ v: Float, _ j: Int32, than w: Float, _ l: Int32) -> Bool {
        v < w || (v == w && j > l)
    }

    /// Keeps `(v, j)` in the heap at `heap` when it beats the worst kept entry, and updates the
    /// target's threshold.
    @inline(__always)
    private static func offer(_ v: Float, _ j: Int32, to heap: UnsafeMutablePointer<Slot>, k: Int, threshold: UnsafeMutablePointer<Float>) {
        guard worse(heap[0].value, heap[0].candidate, than: v, j) else { return }
        // Sift the hole left by the evicted root down: a child moves up while it is worse than (v, j).
        var at = 0
        while true {
            let left = 2 &* at &+ 1
            guard left < k else { break }
            var child = left
            let right = left &+ 1
            if right < k && worse(heap[right].value, heap[right].candidate, than: heap[left].value, heap[left].candidate) { child = right }
            guard worse(heap[child].value, heap[child].candidate, than: v, j) else { break }
            heap[at] = heap[child]
            at = child
        }
        heap[at] = Slot(value: v, candidate: j)
        threshold.pointee = heap[0].value
    }
}
