import Foundation
import WinnowCore
import WinnowNative

extension Coreset {
    public var wire: Winnow_V1_CoresetData {
        var w = Winnow_V1_CoresetData()
        w.rows = rows
        w.vectors = Data(ByteEncoding.float32(vectors.values))
        w.encoding = .float32Le
        w.gains = gains
        w.weights = weights
        w.rowsBeneath = UInt64(rowsBeneath)
        if let sample {
            // Rows and weights only: the pool is shared, and the merge reads the rows back.
            w.sampleRows = sample.rows
            w.sampleWeights = sample.weights
        }
        if let quality { w.quality = quality }
        if let labels { w.labels = labels }
        return w
    }

    init(wire w: Winnow_V1_CoresetData, dimension: Int, limits: WireLimits) throws(WireError) {
        guard w.encoding == .float32Le else { throw WireError(.inconsistent, "coreset: unknown vector encoding \(w.encoding.rawValue)") }
        let n = w.rows.count
        guard n <= limits.rows else { throw WireError(.overLimit, "coreset: \(n) rows (limit \(limits.rows))") }
        guard w.gains.count == n, w.weights.count == n else {
            throw WireError(.inconsistent, "coreset: \(n) rows but \(w.gains.count) gains and \(w.weights.count) weights")
        }
        guard w.vectors.count == n * dimension * 4 else {
            throw WireError(.inconsistent, "coreset: vector blob of \(w.vectors.count) bytes; \(n) rows × d \(dimension) × 4 = \(n * dimension * 4)")
        }
        guard w.rows.allSatisfy({ $0 >= 0 }), w.weights.allSatisfy({ $0.isFinite && $0 >= 0 }), w.gains.allSatisfy(\.isFinite) else {
            throw WireError(.inconsistent, "coreset: negative row, or non-finite gain or weight")
        }
        guard w.rowsBeneath <= UInt64(Int.max) else { throw WireError(.overLimit, "coreset: rows beneath out of range") }
        guard w.quality.isEmpty || (w.quality.count == n && w.quality.allSatisfy(\.isFinite)) else {
            throw WireError(.inconsistent, "coreset: \(w.quality.count) quality scores for \(n) rows, or a non-finite one")
        }
        self.init(
            rows: w.rows, vectors: try Self.finiteVectors(w.vectors, dimension: dimension, what: "vector"), gains: w.gains,
            weights: w.weights, rowsBeneath: Int(w.rowsBeneath), sample: try Self.sample(wire: w, dimension: dimension, limits: limits))
        guard w.labels.isEmpty || w.labels.count == n else { throw WireError(.inconsistent, "coreset: \(w.labels.count) labels for \(n) rows") }
        quality = w.quality.isEmpty ? nil : w.quality
        labels = w.labels.isEmpty ? nil : w.labels
    }

    /// The values of a vector blob whose length was checked; non-finite values are refused.
    private static func finiteVectors(_ blob: Data, dimension: Int, what: String) throws(WireError) -> VectorBlock {
        let values = ByteEncoding.floats(fromFloat32: [UInt8](blob)) ?? []
        guard values.allSatisfy(\.isFinite) else { throw WireError(.inconsistent, "coreset: non-finite \(what) value") }
        return VectorBlock(values: values, dimension: dimension)
    }

    /// The row sample, when the message carries one (an empty sample is a sample: a node with no rows).
    private static func sample(wire w: Winnow_V1_CoresetData, dimension: Int, limits: WireLimits) throws(WireError) -> RowSample? {
        let n = w.sampleRows.count
        guard n > 0 || !w.sampleVectors.isEmpty || !w.sampleWeights.isEmpty else { return nil }
        guard n <= limits.rows else { throw WireError(.overLimit, "coreset: sample of \(n) rows (limit \(limits.rows))") }
        guard w.sampleWeights.count == n, w.sampleVectors.isEmpty || w.sampleVectors.count == n * dimension * 4 else {
            throw WireError(.inconsistent, "coreset: sample of \(n) rows with \(w.sampleWeights.count) weights and \(w.sampleVectors.count) vector bytes")
        }
        guard w.sampleRows.allSatisfy({ $0 >= 0 }), w.sampleWeights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw WireError(.inconsistent, "coreset: negative sample row, or non-finite sample weight")
        }
        return RowSample(
            rows: w.sampleRows, vectors: try finiteVectors(w.sampleVectors, dimension: dimension, what: "sample vector"),
            weights: w.sampleWeights)
    }
}

extension EmbeddingStatistics {
    public var wire: Winnow_V1_Statistics {
        var w = Winnow_V1_Statistics()
        w.count = UInt64(count)
        w.mean = mean
        w.m2 = m2
        w.normMin = normMin
        w.normMax = normMax
        w.normSum = normSum
        w.zeroRows = UInt64(zeroRows)
        w.nonfiniteRows = UInt64(nonfiniteRows)
        w.duplicateRows = UInt64(duplicateRows)
        return w
    }

    init(wire w: Winnow_V1_Statistics, dimension: Int) throws(WireError) {
        guard w.mean.count == dimension, w.m2.count == dimension else {
            throw WireError(.inconsistent, "statistics: \(w.mean.count) means and \(w.m2.count) M2 for d \(dimension)")
        }
        let counts = [w.count, w.zeroRows, w.nonfiniteRows, w.duplicateRows]
        guard counts.allSatisfy({ $0 <= UInt64(Int32.max) * 1024 }) else { throw WireError(.overLimit, "statistics: count out of range") }
        self.init(
            dimension: dimension, count: Int(w.count), mean: w.mean, m2: w.m2, normMin: w.normMin, normMax: w.normMax,
            normSum: w.normSum, zeroRows: Int(w.zeroRows), nonfiniteRows: Int(w.nonfiniteRows),
            duplicateRows: Int(w.duplicateRows))
    }
}
