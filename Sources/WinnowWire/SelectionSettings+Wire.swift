import WinnowCore

extension SelectionSettings {
    public var wire: Winnow_V1_Settings {
        var w = Winnow_V1_Settings()
        switch objective {
        case .facilityLocation(let m):
            w.objective = .facilityLocation
            w.measure = m.wire
        case .kCenter(let m):
            w.objective = .kCenter
            w.measure = m.wire
        case .logDeterminant(let ridge):
            w.objective = .logDet
            w.measure = objective.measure.wire
            w.logdetRidge = ridge
        case .random:
            w.objective = .random
            w.measure = objective.measure.wire
        case .coverageCentric(let beta, let strata):
            w.objective = .coverageCentric
            w.measure = objective.measure.wire
            w.pruneHard = beta
            w.strata = UInt32(clamping: strata)
        }
        if case .rbf(let g) = objective.measure { w.rbfGamma = g }
        switch optimizer {
        case .lazy: w.optimizer = .lazy
        case .naive: w.optimizer = .naive
        case .stochastic(let e):
            w.optimizer = .stochastic
            w.epsilon = e
        }
        w.lazyBatch = UInt32(clamping: tuning.lazyBatch)
        w.scanBatch = UInt32(clamping: tuning.scanBatch)
        w.denseLimitBytes = UInt64(clamping: tuning.denseLimitBytes)
        w.seed = seed
        w.merge = merge == .weighted ? .weighted : .unweighted
        w.budget = UInt32(clamping: budget)
        w.chunkRows = UInt32(clamping: chunkRows)
        w.blockRows = UInt32(clamping: blockRows)
        w.contiguous = partition == .contiguous
        w.clusterPartition = partition == .cluster
        w.oversample = oversample
        w.fanIn = UInt32(clamping: fanIn)
        w.mergeSample = UInt32(clamping: mergeSample)
        w.sampleRowsPerPick = sampleRowsPerPick
        w.mergeNeighbors = UInt32(clamping: mergeNeighbors)
        w.maxMergePicks = UInt32(clamping: maxMergePicks)
        w.neighbors = UInt32(clamping: neighbors)
        w.qualityWeight = qualityWeight
        switch labelBudget {
        case nil: w.labelBudget = .none
        case .proportional: w.labelBudget = .proportional
        case .balanced: w.labelBudget = .balanced
        case .explicit(let caps):
            w.labelBudget = .explicit
            let labels = caps.keys.sorted()
            w.explicitCaps = LabelCaps(labels: labels, caps: labels.map { max(0, caps[$0]!) }).wire
        }
        return w
    }

    init(wire w: Winnow_V1_Settings) throws(WireError) {
        let measure: Measure
        switch w.measure {
        case .shiftedCosine: measure = .shiftedCosine
        case .dot: measure = .dot
        case .rbf: measure = .rbf(gamma: w.rbfGamma)
        case .euclidean: measure = .euclidean
        case .cosineDistance: measure = .cosineDistance
        default: throw WireError(.inconsistent, "settings: unknown measure \(w.measure.rawValue)")
        }
        self.init(budget: Int(w.budget))
        switch w.objective {
        case .facilityLocation: objective = .facilityLocation(measure)
        case .kCenter: objective = .kCenter(measure)
        case .logDet: objective = .logDeterminant(ridge: w.logdetRidge)
        case .random: objective = .random
        case .coverageCentric: objective = .coverageCentric(pruneHard: w.pruneHard, strata: Int(w.strata))
        default: throw WireError(.inconsistent, "settings: unknown objective \(w.objective.rawValue)")
        }
        switch w.optimizer {
        case .lazy: optimizer = .lazy
        case .naive: optimizer = .naive
        case .stochastic: optimizer = .stochastic(epsilon: w.epsilon)
        default: throw WireError(.inconsistent, "settings: unknown optimizer \(w.optimizer.rawValue)")
        }
        switch w.merge {
        case .weighted: merge = .weighted
        case .unweighted: merge = .unweighted
        default: throw WireError(.inconsistent, "settings: unknown merge mode \(w.merge.rawValue)")
        }
        tuning = OptimizerTuning(
            lazyBatch: Int(w.lazyBatch), scanBatch: Int(w.scanBatch),
            denseLimitBytes: Int(clamping: w.denseLimitBytes))
        seed = w.seed
        chunkRows = Int(w.chunkRows)
        blockRows = Int(w.blockRows)
        guard !(w.contiguous && w.clusterPartition) else { throw WireError(.inconsistent, "settings: contiguous and cluster partitions at once") }
        partition = w.clusterPartition ? .cluster : w.contiguous ? .contiguous : .random
        oversample = w.oversample
        fanIn = Int(w.fanIn)
        mergeSample = Int(w.mergeSample)
        sampleRowsPerPick = w.sampleRowsPerPick
        guard w.mergeNeighbors <= UInt32(SelectionSettings.neighborLimit) else {
            throw WireError(.overLimit, "settings: merge neighbors \(w.mergeNeighbors) > \(SelectionSettings.neighborLimit)")
        }
        mergeNeighbors = Int(w.mergeNeighbors)
        maxMergePicks = Int(w.maxMergePicks)
        guard w.neighbors <= UInt32(SelectionSettings.neighborLimit) else {
            throw WireError(.overLimit, "settings: neighbors \(w.neighbors) > \(SelectionSettings.neighborLimit)")
        }
        neighbors = Int(w.neighbors)
        qualityWeight = w.qualityWeight
        switch w.labelBudget {
        case .none: labelBudget = nil
        case .proportional: labelBudget = .proportional
        case .balanced: labelBudget = .balanced
        case .explicit:
            guard w.explicitCaps.count <= 1 << 20, w.explicitCaps.allSatisfy({ $0.cap <= UInt64(Int32.max) }) else {
                throw WireError(.overLimit, "settings: explicit label caps")
            }
            var caps: [Int64: Int] = [:]
            for c in w.explicitCaps { caps[c.label] = Int(c.cap) }
            labelBudget = .explicit(caps)
        default: throw WireError(.inconsistent, "settings: unknown label budget \(w.labelBudget.rawValue)")
        }
        guard tuning.lazyBatch >= 1, tuning.scanBatch >= 1 else { throw WireError(.inconsistent, "settings: batch sizes must be positive") }
        if let problem = problems().first { throw WireError(.inconsistent, "settings: \(problem)") }
    }
}

extension Measure {
    public var wire: Winnow_V1_Settings.Measure {
        switch self {
        case .shiftedCosine: .shiftedCosine
        case .dot: .dot
        case .rbf: .rbf
        case .euclidean: .euclidean
        case .cosineDistance: .cosineDistance
        }
    }
}
