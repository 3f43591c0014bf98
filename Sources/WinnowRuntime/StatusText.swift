import Foundation
import WinnowCoordination

/// A coordinator's `RunStatus` as `winnow status` prints it.
public enum StatusText {
    /// A few lines a person reads: the run, its phase with the progress line's figures, the workers.
    public static func table(_ s: RunStatus) -> String {
        var lines = [
            "run \(s.runID): \(s.state.rawValue), \(ProgressConsole.clock(s.elapsedSeconds)) in; "
                + "\(s.tasksDone) of \(s.tasksTotal) tasks done, \(s.tasksRunning) running",
            ProgressConsole.describe(s, distributed: true),
        ]
        let c = s.counters
        lines.append(
            "backups \(c.backupsIssued) · duplicate results \(c.duplicateResults) · invalid messages \(c.invalidMessages)"
                + " · tasks reused from the journal \(c.reusedFromJournal)")
        if s.workers.isEmpty {
            lines.append("no worker connected")
        } else {
            lines.append(
                "worker".padding(toLength: 24, withPad: " ", startingAt: 0) + "host".padding(toLength: 20, withPad: " ", startingAt: 0)
                    + "slots  running  chunks  merges  busy")
            for w in s.workers {
                lines.append(
                    w.name.padding(toLength: 23, withPad: " ", startingAt: 0) + " "
                        + w.host.padding(toLength: 19, withPad: " ", startingAt: 0) + " "
                        + pad(w.slots, 5) + pad(w.running, 9) + pad(w.chunkTasks, 8) + pad(w.mergeTasks, 8)
                        + "  " + ProgressConsole.clock(w.busySeconds))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The status as JSON: the fields of the wire's StatusReply (Proto/winnow/v1/status.proto), snake_case.
    public static func json(_ s: RunStatus) -> String {
        struct Document: Encodable {
            var runId, state, phase: String
            var level, levels, levelTasksDone, levelTasksTotal, levelRowsDone, totalRows, chunkRowsDone: Int
            var tasksDone, tasksTotal, tasksRunning: Int
            var elapsedSeconds, levelSeconds, rowsPerSecond: Double
            var etaSeconds: Double?
            var workersAlive, retries, backups, duplicateResults, invalidMessages, tasksReused: Int
            var workers: [WorkerStatus]
        }
        let c = s.counters
        let document = Document(
            runId: s.runID, state: s.state.rawValue, phase: s.phase, level: s.level, levels: s.levels,
            levelTasksDone: s.levelTasksDone, levelTasksTotal: s.levelTasksTotal, levelRowsDone: s.levelRowsDone,
            totalRows: s.totalRows, chunkRowsDone: s.chunkRowsDone, tasksDone: s.tasksDone, tasksTotal: s.tasksTotal,
            tasksRunning: s.tasksRunning, elapsedSeconds: s.elapsedSeconds, levelSeconds: s.levelSeconds,
            rowsPerSecond: s.rowsPerSecond, etaSeconds: s.etaSeconds, workersAlive: s.workersAlive, retries: s.retries,
            backups: c.backupsIssued, duplicateResults: c.duplicateResults, invalidMessages: c.invalidMessages,
            tasksReused: c.reusedFromJournal, workers: s.workers)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let t = "\(n)"
        return String(repeating: " ", count: max(0, width - t.count)) + t
    }
}
