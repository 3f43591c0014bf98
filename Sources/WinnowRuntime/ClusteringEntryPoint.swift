import Foundation
import Logging
import WinnowCore
import WinnowIO
import WinnowNative

/// What `winnow cluster` asks for: the k-means, where its outputs go, and how it reports.
public struct ClusteringRequest: Sendable {
    public var settings: KMeansSettings
    public var nonfinite = RunOptions.Default.nonfinite
    /// Tasks each local worker runs at once.
    public var slots = 1
    public var out: String
    public var logLevel: Logger.Level = .info
    /// `--ids`: one external id per pool row; with them `assignments.csv` (row, id, cluster) is written too.
    public var idsPath: String?

    public init(settings: KMeansSettings, out: String) {
        self.settings = settings
        self.out = out
    }
}

/// The one call of `winnow cluster`: process set-up, the k-means where `place` says, its outputs
/// (centroids, assignments, report) and the clean-up of a run that failed for good.
public enum ClusteringEntryPoint {
    public static func run(_ request: ClusteringRequest, pool: Pool, on place: KMeansExecution.Place) throws {
        _ = RunClock.started
        let log = LogSetup.make(level: request.logLevel)
        BLAS.useSingleThread()  // one thread per process, as for select (design §2): same sums, fair timings
        KernelAdvice.note(log)
        let out = request.out, k = request.settings.k
        let ids = try SideColumns.load(ids: request.idsPath, quality: nil, labels: nil, rows: pool.totalRows).ids
        let folder = try OutputFolder.claim(out)
        defer { withExtendedLifetime(folder) {} }
        try OutputFolder.removedIfFailed(folder) {
            let start = ContinuousClock.now
            let (outcome, coordination) = try KMeansExecution.run(
                pool: pool, settings: request.settings, nonfinite: request.nonfinite, on: place,
                slots: request.slots, journal: RunJournal.run.path(in: out), log: log)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let report = ClusteringReport(
                settings: request.settings, pool: pool, outcome: outcome,
                seconds: (ContinuousClock.now - start).seconds, workers: place.workers(coordination), cluster: coordination)
            let centroids = Array(outcome.centroids.values.prefix(k * pool.dimension))
            var files = [
                (out + "/centroids.npy", Data(NpyWriter.float32Image(centroids, dimension: pool.dimension))),
                (out + "/assignments.npy", Data(NpyWriter.int32Image(outcome.assignments))),
                (out + "/report.json", try ReportJSON.encode(report)),
            ]
            if let ids {
                let lines = outcome.assignments.enumerated().map { "\($0.offset),\(OutputWriter.quote(ids[$0.offset])),\($0.element)\n" }
                files.append((out + "/assignments.csv", Data(("row,id,cluster\n" + lines.joined()).utf8)))
            }
            try AtomicFile.writeAll(files)
            // Two levels' iterations are the first level's, or (fitted on the sample) none over the pool.
            let how =
                outcome.firstLevel.map { "in two levels (\($0.clusters) first-level clusters)" }
                ?? "after \(counted(outcome.iterations.count, "iteration"))\(outcome.iterations.count < request.settings.iterations ? " (converged: no centroid moved)" : "")"
            print(
                "\(k) clusters of \(pool.totalRows) rows → \(out)/assignments.npy; inertia \(outcome.final.inertia) \(how); sizes \(outcome.sizes.min() ?? 0)–\(outcome.sizes.max() ?? 0)"
            )
        }
    }
}
