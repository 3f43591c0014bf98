import ArgumentParser
import Foundation
import WinnowCoordination
import WinnowCore
import WinnowRuntime

/// `winnow select`: the embedded default — a coordinator in this process and `--workers` local
/// worker processes of this binary over loopback ZeroMQ; `--workers 0` runs everything in this
/// process without sockets (the reference the distributed run matches byte for byte).
struct Select: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Select a diverse, representative subset of a pool.",
        discussion: """
            Writes DIR/selection.npy (int64 global rows, greedy order), DIR/selection.csv and DIR/report.json. The README lists every option by topic; the ones most runs need are --input, --budget, --out, --objective, --workers, --ids and --exact.

            Examples:
              winnow select --input 'pool/*.npy' --budget 100000 --out run1
              winnow select --input 'pool/*.npy' --budget 5000 --objective k-center \\
                --out run2
              winnow select --input 'pool/*.npy' --rows dedup/kept.npy --budget 500 \\
                --out run3
              winnow select --input 'pool/*.npy' --exact --budget 150 \\
                --given run1/selection.npy --out run4
              winnow select --input 'pool/*.npy' --targets in-domain.npy --budget 500 \\
                --out run5
            """)

    @OptionGroup var selection: SelectionOptions

    @Option(
        parsing: .unconditional,
        help: "Local worker processes (0: select in this process, no sockets). Default: one per usable CPU (affinity, cgroup quota, SLURM_CPUS_PER_TASK).")
    var workers: Int = UsableProcessors.count()

    @OptionGroup var coordination: CoordinationOptions

    @Option(help: "Tasks each local worker runs at once.")
    var slots: Int = CoordinationSettings.Default.slots

    @Flag(help: "Also draw DIR/selection.png (Scripts/plot-selection; needs Python with numpy and matplotlib, else skipped with a note).")
    var plot = false

    func validate() throws {
        if workers < 0 { throw ValidationError("--workers must be 0 or more (got \(workers))") }
        if slots < 1 { throw ValidationError("--slots must be at least 1 (got \(slots))") }
    }

    func run() throws {
        try selection.run(on: .local(workers: workers, slots: slots, coordination: coordination.settings))
        if plot { print(SelectionPlot.draw(out: selection.out, labels: selection.labels)) }
    }
}
