import ArgumentParser
import Foundation
import WinnowCoordination
import WinnowCore
import WinnowNative

/// `coordinator-simulation`: one selection's coordinator at full size against simulated workers in
/// virtual time (Scripts/bench/coordinator-simulation runs the cases BENCHMARKS.md records).
@main
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator-simulation",
        abstract: "Drives the real coordinator state machine, codec and journal with simulated workers in virtual time.")

    @Option(help: "Pool rows.") var rows: Int = SimulationSettings.Default.rows
    @Option(help: "Dimension.") var dim: Int = SimulationSettings.Default.dimension
    @Option(help: "Rows to select.") var k: Int = SimulationSettings.Default.k
    @Option(help: "Simulated worker processes.") var workers: Int = SimulationSettings.Default.workers
    @Option(help: "Tasks each worker runs at once.") var slots: Int = SimulationSettings.Default.slots
    @Option(help: "Share of tasks that are stragglers.") var stragglerShare: Double = SimulationSettings.Default.stragglerShare
    @Option(help: "How much slower a straggler is.") var slowdown: Double = SimulationSettings.Default.slowdown
    @Option(help: "Mean virtual seconds between two losses of one worker (0: none).")
    var secondsBetweenLosses: Double = SimulationSettings.Default.secondsBetweenLosses
    @Option(help: "When the coordinator is killed and restarted, as a share of the ideal makespan (0: never).")
    var restartAt: Double = SimulationSettings.Default.restartAt
    @Option(help: "Backup copies of a straggler after this many times its level's median task.")
    var backupSlowerThanMedian: Double = CoordinationSettings.Default.backupSlowerThanMedian
    @Option(help: "Seed of the task times and faults.") var seed: UInt64 = SimulationSettings.Default.seed
    @Option(help: "Folder for the journal (emptied of it afterwards).") var folder: String = NSTemporaryDirectory()
    @Option(help: "Write the figures as JSON here.") var json: String?

    func run() throws {
        BLAS.useSingleThread()
        var settings = SimulationSettings(folder: folder)
        settings.rows = rows
        settings.dimension = dim
        settings.k = k
        settings.selection.budget = k
        settings.workers = workers
        settings.slots = slots
        settings.stragglerShare = stragglerShare
        settings.slowdown = slowdown
        settings.secondsBetweenLosses = secondsBetweenLosses > 0 ? secondsBetweenLosses : .infinity
        settings.restartAt = restartAt > 0 ? restartAt : nil
        settings.seed = seed
        settings.coordination.backupSlowerThanMedian = backupSlowerThanMedian

        var times = TaskTimes(settings: settings)
        let job = SelectionJob(totalRows: rows, dimension: dim, settings: settings.selection)
        times.measureChunk(job.chunkTask(0))
        var simulation = Simulation(settings: settings, job: job, times: times)
        let wall = ContinuousClock.now
        let figures = try simulation.run()
        let text = SimulationReport(settings: settings, figures: figures, wallSeconds: (ContinuousClock.now - wall).seconds)
        print(text.markdown)
        if let json { try text.json.write(toFile: json, atomically: true, encoding: .utf8) }
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("journal.wnj"))
    }
}
