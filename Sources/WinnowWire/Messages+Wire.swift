import Foundation
import SwiftProtobuf
import WinnowCoordination
import WinnowCore

extension MergeTree.Node {
    public var wire: Winnow_V1_TaskRef {
        var w = Winnow_V1_TaskRef()
        w.level = UInt32(level)
        w.index = UInt32(index)
        return w
    }

    init(wire w: Winnow_V1_TaskRef) {
        self.init(level: Int(w.level), index: Int(w.index))
    }
}

extension RunConfig {
    public var wire: Winnow_V1_RunConfig {
        var w = Winnow_V1_RunConfig()
        func file(_ file: File) -> Winnow_V1_PoolFile {
            var f = Winnow_V1_PoolFile()
            f.path = file.path
            f.rows = UInt64(file.rows)
            f.fileBytes = UInt64(file.bytes)
            f.dtype = file.dtype
            return f
        }
        w.files = files.map(file)
        if let quality { w.quality = file(quality) }
        if let labels { w.labels = file(labels) }
        w.dimension = UInt32(dimension)
        w.totalRows = UInt64(totalRows)
        w.settings = settings.wire
        w.skipNonfinite = skipNonfinite
        w.eligibleRowsSha256 = Data(eligibleRowsDigest)
        w.givenRows = givenRows
        if let targets { w.targets = file(targets) }
        if let clustering { w.clustering = clustering.wire }
        if let dedup { w.dedup = dedup.wire }
        w.blasKernel = blasKernel
        return w
    }

    init(wire w: Winnow_V1_RunConfig, limits: WireLimits) throws(WireError) {
        // A field this build does not know may change what the run computes (`Settings.neighbors`
        // did: a worker that ignored it would pick by dense facility location, and its results would
        // pass every check). Such a worker must not guess; it refuses the run and says why.
        guard w.unknownFields.data.isEmpty, w.settings.unknownFields.data.isEmpty, w.clustering.unknownFields.data.isEmpty,
            w.dedup.unknownFields.data.isEmpty
        else {
            throw WireError(
                .unknownFields,
                "the run's configuration has fields this build of winnow does not know"
                    + " (the coordinator runs a newer build): run the same winnow build on every host")
        }
        guard w.files.count <= limits.files, !w.files.isEmpty else { throw WireError(.overLimit, "config: \(w.files.count) files") }
        guard w.dimension >= 1, w.dimension <= limits.dimension else { throw WireError(.overLimit, "config: dimension \(w.dimension)") }
        var files: [File] = []
        for f in w.files {
            guard f.path.utf8.count <= limits.stringBytes, f.dtype == "<f4" || f.dtype == "<f2",
                f.rows <= UInt64(Int.max), f.fileBytes <= UInt64(Int.max)
            else {
                throw WireError(.inconsistent, "config: bad file entry \(f.path.prefix(80))")
            }
            files.append(File(path: f.path, rows: Int(f.rows), bytes: Int(f.fileBytes), dtype: f.dtype))
        }
        var sum: UInt64 = 0
        for f in files {
            let (next, overflow) = sum.addingReportingOverflow(UInt64(f.rows))
            guard !overflow else { throw WireError(.overLimit, "config: the files' rows overflow") }
            sum = next
        }
        guard w.totalRows == sum, sum <= UInt64(Int.max) else {
            throw WireError(.inconsistent, "config: total rows \(w.totalRows) ≠ the files' sum")
        }
        /// A side column: one entry per pool row, of one of `dtypes`.
        func column(_ present: Bool, _ f: Winnow_V1_PoolFile, dtypes: Set<String>, what: String) throws(WireError) -> File? {
            guard present else { return nil }
            guard f.path.utf8.count <= limits.stringBytes, dtypes.contains(f.dtype), f.rows == sum, f.fileBytes <= UInt64(Int.max) else {
                throw WireError(.inconsistent, "config: bad \(what) column \(f.path.prefix(80))")
            }
            return File(path: f.path, rows: Int(f.rows), bytes: Int(f.fileBytes), dtype: f.dtype)
        }
        let quality = try column(w.hasQuality, w.quality, dtypes: ["<f4"], what: "quality")
        let labels = try column(w.hasLabels, w.labels, dtypes: ["<i8", "<i4"], what: "labels")
        let settings = try SelectionSettings(wire: w.settings)
        // De-duplication that keeps the highest-scored copy reads the column without a weight.
        let keepsByQuality = w.hasDedup && w.dedup.keep == .quality
        guard (settings.qualityWeight != 0 || keepsByQuality) == (quality != nil) else {
            throw WireError(.inconsistent, "config: a quality weight or keep rule needs a quality column, and a quality column one of them")
        }
        guard (settings.labelBudget != nil) == (labels != nil) else {
            throw WireError(.inconsistent, "config: a label budget needs a labels column, and a labels column a budget")
        }
        let clustering = w.hasClustering ? try KMeansSettings(wire: w.clustering, limits: limits) : nil
        self.init(
            files: files, dimension: Int(w.dimension), totalRows: Int(w.totalRows),
            settings: settings, skipNonfinite: w.skipNonfinite, quality: quality, labels: labels, clustering: clustering)
        if w.hasDedup { dedup = try DedupSettings(wire: w.dedup) }
        guard w.blasKernel.utf8.count <= WireCodec.blasKernelBytes else { throw WireError(.overLimit, "config: BLAS kernel name too long") }
        blasKernel = w.blasKernel
        guard w.eligibleRowsSha256.isEmpty || w.eligibleRowsSha256.count == 32 else {
            throw WireError(.inconsistent, "config: an eligible-rows digest of \(w.eligibleRowsSha256.count) bytes")
        }
        eligibleRowsDigest = [UInt8](w.eligibleRowsSha256)
        guard w.givenRows.count <= limits.rows, w.givenRows.allSatisfy({ $0 >= 0 && $0 < w.totalRows }) else {
            throw WireError(.inconsistent, "config: \(w.givenRows.count) given rows, or one outside the pool")
        }
        givenRows = w.givenRows
        if w.hasTargets {
            let t = w.targets
            guard t.path.utf8.count <= limits.stringBytes, ["<f4", "<f2"].contains(t.dtype), t.rows <= UInt64(limits.rows), t.fileBytes <= UInt64(Int.max)
            else {
                throw WireError(.inconsistent, "config: bad targets file \(t.path.prefix(80))")
            }
            targets = File(path: t.path, rows: Int(t.rows), bytes: Int(t.fileBytes), dtype: t.dtype)
        }
    }

    /// SHA-256 of the configuration's wire image: what a worker may be told to expect (`--expect-config`).
    public var hash: [UInt8] { WireCodec.sha256((try? wire.serializedBytes()) ?? []) }
}

extension Lease {
    func wire(limits: WireLimits) -> Winnow_V1_Lease {
        var w = Winnow_V1_Lease()
        w.leaseID = id
        w.task = node.wire
        if let caps = work.labelCaps { w.labelCaps = caps.wire }
        switch work {
        case .chunk(let t):
            w.budget = UInt32(t.budget)
            w.isRoot = t.isRoot
            w.sampleRows = UInt32(clamping: t.sampleRows)
            var c = Winnow_V1_ChunkTask()
            c.ranges = t.ranges.map {
                var r = Winnow_V1_RowRange()
                r.lower = UInt64($0.lowerBound)
                r.upper = UInt64($0.upperBound)
                return r
            }
            w.chunk = c
        case .merge(let t):
            w.budget = UInt32(t.budget)
            w.isRoot = t.isRoot
            w.sampleRows = UInt32(clamping: t.sampleRows)
            var m = Winnow_V1_MergeTask()
            m.children = t.children.map(\.wire)
            m.rowsBeneath = UInt64(t.rowsBeneath)
            w.merge = m
        case .assign(let t):
            w.budget = UInt32(clamping: t.centroids.rows)
            w.assign = t.wire
        case .dedup(let t):
            w.budget = 1
            w.dedup = t.wire
        }
        return w
    }

    init(wire w: Winnow_V1_Lease, dimension: Int, normalizesRows: Bool = false, limits: WireLimits) throws(WireError) {
        let node = MergeTree.Node(wire: w.task)
        let budget = Int(w.budget)
        guard budget >= 1, budget <= limits.rows else { throw WireError(.overLimit, "lease: budget \(budget)") }
        let sampleRows = Int(w.sampleRows)
        guard sampleRows <= limits.rows else { throw WireError(.overLimit, "lease: sample of \(sampleRows) rows") }
        let caps = w.labelCaps.isEmpty ? nil : try LabelCaps(wire: w.labelCaps, limits: limits)
        switch w.work {
        case .chunk(let c):
            guard node.level == 0 else { throw WireError(.inconsistent, "lease: a chunk task at level \(node.level)") }
            guard c.ranges.count <= limits.rows, !c.ranges.isEmpty else { throw WireError(.overLimit, "lease: \(c.ranges.count) ranges") }
            var ranges: [Range<Int>] = []
            for r in c.ranges {
                guard r.lower < r.upper, r.upper <= UInt64(Int.max), ranges.last.map({ UInt64($0.upperBound) <= r.lower }) ?? true else {
                    throw WireError(.inconsistent, "lease: row ranges must be ascending and non-empty")
                }
                ranges.append(Int(r.lower)..<Int(r.upper))
            }
            self.init(
                id: w.leaseID,
                work: .chunk(
                    ChunkTask(
                        chunk: node.index, ranges: ranges, budget: budget, isRoot: w.isRoot,
                        sampleRows: sampleRows, labelCaps: caps)))
        case .merge(let m):
            guard node.level >= 1 else { throw WireError(.inconsistent, "lease: a merge task at level 0") }
            guard !m.children.isEmpty, m.children.count <= limits.children else {
                throw WireError(.overLimit, "lease: \(m.children.count) children")
            }
            var children: [Coreset] = []
            for c in m.children { children.append(try Coreset(wire: c, dimension: dimension, limits: limits)) }
            guard children.reduce(0, { $0 + $1.count }) <= limits.rows else { throw WireError(.overLimit, "lease: too many candidates") }
            guard m.rowsBeneath <= UInt64(Int.max) else { throw WireError(.overLimit, "lease: rows beneath") }
            let beneath = Int(m.rowsBeneath)
            guard caps == nil || children.allSatisfy({ $0.labels != nil }) else {
                throw WireError(.inconsistent, "lease: label caps, but a child without its picks' labels")
            }
            self.init(
                id: w.leaseID,
                work: .merge(
                    MergeTask(
                        node: node, children: children, budget: budget,
                        isRoot: w.isRoot, rowsBeneath: beneath, sampleRows: sampleRows,
                        labelCaps: caps)))
        case .assign(let a):
            self.init(
                id: w.leaseID,
                work: .assign(
                    try AssignTask(
                        wire: a, node: node, dimension: dimension, normalizesRows: normalizesRows,
                        limits: limits)))
        case .dedup(let d):
            self.init(id: w.leaseID, work: .dedup(try DedupTask(wire: d, group: node.index, limits: limits)))
        case nil:
            throw WireError(.noBody, "lease: no task")
        }
    }
}

extension TaskFailure.Code {
    public var wire: Winnow_V1_Error.Code {
        switch self {
        case .badData: .badData
        case .nonfinite: .nonfinite
        case .poolMismatch: .poolMismatch
        case .invalidTask: .invalidTask
        case .internalError, .poisoned, .noWorkers: .internal
        }
    }

    init(wire: Winnow_V1_Error.Code) {
        switch wire {
        case .badData: self = .badData
        case .nonfinite: self = .nonfinite
        case .poolMismatch: self = .poolMismatch
        case .invalidTask: self = .invalidTask
        default: self = .internalError
        }
    }
}

extension Rejection.Reason {
    public var wire: Winnow_V1_Reject.Reason {
        switch self {
        case .protocolVersion: .protocolVersion
        case .configHash: .configHash
        case .shuttingDown: .shuttingDown
        case .invalid: .invalid
        case .blasKernel: .blasKernel
        case .unknownPeer: .unknownPeer
        }
    }

    init(wire: Winnow_V1_Reject.Reason) {
        switch wire {
        case .protocolVersion: self = .protocolVersion
        case .configHash: self = .configHash
        case .shuttingDown: self = .shuttingDown
        case .blasKernel: self = .blasKernel
        case .unknownPeer: self = .unknownPeer
        default: self = .invalid
        }
    }
}

extension LabelCaps {
    public var wire: [Winnow_V1_LabelCap] {
        zip(labels, caps).map { label, cap in
            var c = Winnow_V1_LabelCap()
            c.label = label
            c.cap = UInt64(cap)
            return c
        }
    }

    /// Labels strictly ascending, caps within the row limit.
    init(wire: [Winnow_V1_LabelCap], limits: WireLimits) throws(WireError) {
        guard wire.count <= limits.rows else { throw WireError(.overLimit, "label caps: \(wire.count) labels") }
        for (a, b) in zip(wire, wire.dropFirst()) where a.label >= b.label {
            throw WireError(.inconsistent, "label caps: labels must be ascending")
        }
        guard wire.allSatisfy({ $0.cap <= UInt64(limits.rows) }) else { throw WireError(.overLimit, "label caps: a cap beyond the row limit") }
        self.init(labels: wire.map(\.label), caps: wire.map { Int($0.cap) })
    }
}
