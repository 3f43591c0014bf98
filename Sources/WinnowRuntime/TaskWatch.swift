import Foundation
import WinnowCoordination
import WinnowCore

/// Offers the monitor a status now and then while one in-process task runs on the calling thread.
///
/// Why: the single-process run offers a status between tasks, which is enough when a level has
/// many short ones. A level of one task — `--exact`'s greedy over the whole pool, a large root
/// merge — runs for minutes or hours with nothing in between, and a progress line that does not
/// move (or a Slurm log with no line at all) reads as a hung job.
enum TaskWatch {
    /// Between offers; the monitor decides what is due (a live redraw, a plain line, metrics).
    static let interval = DispatchTimeInterval.milliseconds(100)

    /// Runs `body`, offering `status(meter.task(budget:))` to `monitor` from another thread until it
    /// returns. Without a monitor nothing is watched.
    static func run<T, E: Error>(
        monitor: RunMonitor?, meter: ProgressMeter, budget: Int,
        status: @escaping @Sendable (TaskProgress) -> RunStatus,
        _ body: () throws(E) -> T
    ) throws(E) -> T {
        guard let monitor else { return try body() }
        let shared = SharedMonitor(monitor)
        let stop = DispatchSemaphore(value: 0), stopped = DispatchSemaphore(value: 0)
        let watcher = Thread {
            while stop.wait(timeout: .now() + interval) == .timedOut {
                shared.monitor.observe { status(meter.task(budget: budget)) }
            }
            stopped.signal()
        }
        watcher.start()
        defer {
            stop.signal()
            stopped.wait()
        }
        return try body()
    }
}

/// The monitor handed to the watching thread. Unchecked because `RunMonitor` is used by one thread
/// at a time: the watcher while the task runs, the caller only once `TaskWatch.run` has waited for
/// the watcher to end.
private final class SharedMonitor: @unchecked Sendable {
    let monitor: RunMonitor
    init(_ monitor: RunMonitor) { self.monitor = monitor }
}
