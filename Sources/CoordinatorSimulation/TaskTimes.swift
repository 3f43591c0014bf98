import Foundation
import WinnowCoordination
import WinnowCore

/// What a simulated task takes, in virtual seconds: the median of its level measured on this machine
/// by running the real task function (`SelectionTasks.chunk`, `MergeTask.run`) once at the plan's
/// sizes on clustered rows, times a log-normal spread, times `slowdown` for a seeded share of stragglers.
///
/// A merge level is measured the first time one of its greedy merges is leased; the other merges of
/// that level are scaled from it by their candidates × (candidates + sample rows), the greedy's work.
struct TaskTimes {
    /// Clustered rows the fabricated results' vectors are copied from (row r gets bank row r mod count).
    let bank: VectorBlock
    private let settings: SimulationSettings
    private(set) var chunkSeconds: Double = 0
    /// Per merge level: (measured seconds, the work figure it was measured at).
    private(set) var mergeSeconds: [Int: (seconds: Double, work: Double)] = [:]
    private var random: SeededRandom

    static let bankRows = 65_536

    init(settings: SimulationSettings) {
        self.settings = settings
        let pool = SyntheticPool(rows: Self.bankRows, dimension: settings.dimension, clusters: 256, seed: settings.seed)
        bank = VectorBlock(values: pool.generate(0..<Self.bankRows).values, dimension: settings.dimension)
        random = SeededRandom(seed: settings.seed, stream: .evaluation, 31)
    }

    /// Rows' vectors from the bank.
    func vectors(of rows: [Int64]) -> VectorBlock {
        let d = bank.dimension
        var values = [Float]()
        values.reserveCapacity(rows.count * d)
        for r in rows {
            let b = Int(r % Int64(Self.bankRows))
            values.append(contentsOf: bank.values[b * d..<(b + 1) * d])
        }
        return VectorBlock(values: values, dimension: d)
    }

    /// Times the chunk task of chunk 0 (three runs, the median).
    mutating func measureChunk(_ task: ChunkTask) {
        let rows = task.rows
        let vectors = vectors(of: rows)
        var times: [Double] = []
        for _ in 0..<3 {
            let start = ContinuousClock.now
            _ = SelectionTasks.chunk(task, rows: rows, vectors: vectors, settings: settings.selection)
            times.append((ContinuousClock.now - start).seconds)
        }
        chunkSeconds = times.sorted()[1]
    }

    static func work(of task: MergeTask) -> Double {
        let candidates = Double(task.candidateCount)
        let sample = Double(task.children.reduce(0) { $0 + ($1.sample?.count ?? 0) })
        return candidates * (candidates + sample)
    }

    /// Times the merge once per level, on bank vectors (the fabricated candidates carry them already;
    /// the samples travel without vectors and are read here, as a merge worker reads them from the pool).
    mutating func measureMergeIfNew(_ task: MergeTask) {
        guard mergeSeconds[task.node.level] == nil else { return }
        var prepared = task
        prepared.children = task.children.map { child in
            var c = child
            c.sample = child.sample?.withVectors { vectors(of: $0) }
            return c
        }
        let start = ContinuousClock.now
        _ = prepared.run(settings: settings.selection)
        mergeSeconds[task.node.level] = ((ContinuousClock.now - start).seconds, max(1, Self.work(of: task)))
    }

    /// A task's virtual duration: its level's median, spread, and slowed down for a straggler.
    mutating func duration(of work: Lease.Work) -> Double {
        let median: Double
        switch work {
        case .merge(let task):
            let measured = mergeSeconds[task.node.level]!
            median = measured.seconds * Self.work(of: task) / measured.work
        default:
            median = chunkSeconds
        }
        var seconds = median * exp(settings.spread * random.normal())
        if random.unit() < settings.stragglerShare { seconds *= settings.slowdown }
        return seconds
    }
}
