/// Rows of vectors, row-major, as Float. A chunk's rows, a merge node's candidates and an evaluation
/// sample are all VectorBlocks; their global row numbers travel beside them.
public struct VectorBlock: Sendable, Equatable {
    public var values: [Float]
    public let dimension: Int

    public init(values: [Float], dimension: Int) {
        precondition(dimension > 0 && values.count % dimension == 0, "VectorBlock: \(values.count) values, d=\(dimension)")
        self.values = values
        self.dimension = dimension
    }

    public init(rows: [[Float]]) {
        precondition(!rows.isEmpty)
        self.init(values: rows.flatMap { $0 }, dimension: rows[0].count)
    }

    public var rows: Int { values.count / dimension }

    public func row(_ i: Int) -> ArraySlice<Float> { values[i * dimension..<(i + 1) * dimension] }

    /// `‖row i − other's row j‖²` summed in Double from the differences: the digits of a k-means's
    /// inertia, which the `sgemm` shortcut's cancellation would cost where a row sits near its centroid.
    public func squaredDistance(_ i: Int, to other: VectorBlock, row j: Int) -> Double {
        precondition(other.dimension == dimension, "squaredDistance: dimensions differ")
        let a = i * dimension, b = j * dimension
        var sum = 0.0
        for t in 0..<dimension {
            let diff = Double(values[a + t]) - Double(other.values[b + t])
            sum += diff * diff
        }
        return sum
    }

    /// The rows at `indices`, in that order.
    public func gather(_ indices: [Int]) -> VectorBlock {
        var out: [Float] = []
        out.reserveCapacity(indices.count * dimension)
        for i in indices { out.append(contentsOf: row(i)) }
        return VectorBlock(values: out, dimension: dimension)
    }

    /// Blocks stacked in order.
    public static func concatenate(_ blocks: [VectorBlock], dimension: Int) -> VectorBlock {
        var out: [Float] = []
        out.reserveCapacity(blocks.reduce(0) { $0 + $1.values.count })
        for b in blocks {
            precondition(b.dimension == dimension, "VectorBlock.concatenate: dimension mismatch")
            out.append(contentsOf: b.values)
        }
        return VectorBlock(values: out, dimension: dimension)
    }

    /// Each row scaled to unit length; a zero row stays zero.
    public func normalized() -> VectorBlock {
        var out = values
        for r in 0..<rows {
            let base = r * dimension
            var ss: Float = 0
            for k in 0..<dimension { ss += out[base + k] * out[base + k] }
            guard ss > 0 else { continue }
            let inv = 1 / ss.squareRoot()
            for k in 0..<dimension { out[base + k] *= inv }
        }
        return VectorBlock(values: out, dimension: dimension)
    }

    /// Squared Euclidean norm of every row.
    public func squaredNorms() -> [Float] {
        (0..<rows).map { r in
            var ss: Float = 0
            let base = r * dimension
            for k in 0..<dimension { ss += values[base + k] * values[base + k] }
            return ss
        }
    }
}
