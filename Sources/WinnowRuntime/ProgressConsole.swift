import Foundation
import Synchronization
import WinnowCoordination
import WinnowNative

/// stderr as the progress line and the log share it. On a terminal the line is redrawn in place
/// (one line per phase; a finished phase's line stays), and a log line is written above it; off a
/// terminal each progress report is a plain line of its own. A line that wrapped could not be
/// redrawn in place (each redraw would leave a new line), so the live line is cut to the terminal's
/// width, read again at every redraw; a terminal that reports no width gets plain lines.
public final class ProgressConsole: Sendable {
    public enum Style: Sendable, Equatable { case live, plain, quiet }

    public let style: Style
    private let state = Mutex(State())

    private struct State {
        /// The live line now on screen ("" when none).
        var line = ""
        var level: Int?
        var last: RunStatus?
    }

    /// The terminal's columns now (nil: unknown, lines are not cut).
    private let columns: @Sendable () -> Int?

    public init(style: Style, columns: @escaping @Sendable () -> Int? = { TerminalSize.columns(of: STDERR_FILENO) }) {
        self.style = style
        self.columns = columns
    }

    /// The style `mode` means for this process's stderr.
    public static func style(for mode: ProgressSettings.Mode) -> Style {
        switch mode {
        case .automatic: isatty(STDERR_FILENO) == 1 && TerminalSize.columns(of: STDERR_FILENO) != nil ? .live : .plain
        case .live: .live
        case .plain: .plain
        case .quiet: .quiet
        }
    }

    /// Writes a log line; on a terminal the live line is cleared first and drawn again below it.
    public func log(_ text: String) {
        state.withLock { s in
            guard style == .live, !s.line.isEmpty else { return Self.write(text) }
            Self.write("\r\u{1B}[2K" + text + s.line)
        }
    }

    /// Shows where the run stands: redraws the live line (a new one when the phase changed), or
    /// writes a plain line.
    public func show(_ status: RunStatus, distributed: Bool) {
        state.withLock { s in
            switch style {
            case .quiet: return
            case .plain:
                Self.write("progress: " + Self.describe(status, distributed: distributed) + "\n")
            case .live:
                var out = ""
                let width = columns()
                if let level = s.level, level != status.level, let last = s.last {
                    out += "\r\u{1B}[2K" + Self.fitted(Self.describe(finished: last, at: status), columns: width, keepingLast: true) + "\n"
                }
                s.line = Self.fitted(Self.describe(status, distributed: distributed), columns: width)
                Self.write(out + "\r\u{1B}[2K" + s.line)
            }
            s.level = status.level
            s.last = status
        }
    }

    /// Ends the display with the run's summary line.
    public func end(_ status: RunStatus, distributed: Bool) {
        state.withLock { s in
            guard style != .quiet else { return }
            var out = ""
            if style == .live {
                let width = columns()
                if let last = s.last, last.level != status.level {
                    out += "\r\u{1B}[2K" + Self.fitted(Self.describe(finished: last, at: status), columns: width, keepingLast: true) + "\n"
                }
                out += "\r\u{1B}[2K" + Self.fitted(Self.describe(finished: status, at: status), columns: width, keepingLast: true) + "\n"
            }
            s.line = ""
            Self.write(out + Self.summary(status, distributed: distributed) + "\n")
        }
    }

    // MARK: text

    /// `line` shortened to less than `columns` characters (the last column stays free: a line that
    /// fills it wraps on some terminals): its " · " parts go from the end (from the one before the
    /// end when `keepingLast`: a finished phase keeps its "done in"), then its tail.
    public static func fitted(_ line: String, columns: Int?, keepingLast: Bool = false) -> String {
        guard let columns, line.count >= columns else { return line }
        var parts = line.components(separatedBy: " · ")
        while parts.count > (keepingLast ? 2 : 1) && parts.joined(separator: " · ").count >= columns {
            parts.remove(at: parts.count - (keepingLast ? 2 : 1))
        }
        return String(parts.joined(separator: " · ").prefix(max(0, columns - 1)))
    }

    /// "chunks  120/245 tasks · 1.23M/2.00M rows · 45.1k rows/s · ETA 18 s · 2 workers · 0 retries";
    /// while a level's one task runs: "chunks  0/1 tasks · 100k rows · similarity pass 42 % · 1 min 05 s".
    public static func describe(_ s: RunStatus, distributed: Bool) -> String {
        let tasks = "\(padded(s.phase)) \(s.levelTasksDone)/\(s.levelTasksTotal) tasks"
        if let task = s.task {
            let step =
                task.inPass
                ? "similarity pass \(task.passTilesDone * 100 / task.passTiles) %"
                : "pick \(grouped(task.picks))/\(grouped(task.budget))"
            return [tasks, "\(count(s.totalRows)) rows", step, clock(s.levelSeconds)].joined(separator: " · ")
        }
        var parts = [
            tasks,
            "\(count(s.levelRowsDone))/\(count(s.totalRows)) rows",
            "\(count(Int(s.rowsPerSecond.rounded()))) rows/s",
            "ETA \(s.etaSeconds.map(clock) ?? "?")",
        ]
        if distributed {
            parts.append("\(s.workersAlive) worker\(s.workersAlive == 1 ? "" : "s")")
            parts.append("\(s.retries) retr\(s.retries == 1 ? "y" : "ies")")
        }
        return parts.joined(separator: " · ")
    }

    /// The line a phase leaves behind once it is over (`now` is a later status): its totals and
    /// how long it took.
    static func describe(finished last: RunStatus, at now: RunStatus) -> String {
        let seconds =
            last.level == now.level
            ? now.levelSeconds
            : max(0, (now.elapsedSeconds - now.levelSeconds) - (last.elapsedSeconds - last.levelSeconds))
        // Rows this process finished in the phase (not those reused from a journal).
        let fresh = last.rowsPerSecond * last.levelSeconds + Double(last.totalRows - last.levelRowsDone)
        let rate = seconds > 0 ? fresh / seconds : 0
        return [
            "\(padded(last.phase)) \(last.levelTasksTotal)/\(last.levelTasksTotal) tasks",
            "\(count(last.totalRows)) rows", "\(count(Int(rate.rounded()))) rows/s", "done in \(clock(seconds))",
        ]
        .joined(separator: " · ")
    }

    private static func padded(_ phase: String) -> String {
        phase.count >= 12 ? phase : phase.padding(toLength: 12, withPad: " ", startingAt: 0)
    }

    /// The run's last progress line: what was done, on what, with what trouble.
    public static func summary(_ s: RunStatus, distributed: Bool) -> String {
        let verb = s.state == .finished ? "done" : "stopped"
        var text = "\(verb) in \(clock(s.elapsedSeconds)): \(s.tasksDone) of \(counted(s.tasksTotal, "task")) over \(count(s.totalRows)) rows"
        if distributed {
            let c = s.counters
            text += "; \(s.workersAlive) worker\(s.workersAlive == 1 ? "" : "s") at the end, \(s.retries) retries, \(c.backupsIssued) backups"
            if c.reusedFromJournal > 0 { text += ", \(c.reusedFromJournal) tasks reused from the journal" }
        }
        return text
    }

    /// 950, 12.3k, 4.56M: a count read at a glance.
    static func count(_ n: Int) -> String {
        let x = Double(n)
        switch abs(x) {
        case ..<1_000: return "\(n)"
        case ..<1_000_000: return String(format: x < 10_000 ? "%.2fk" : "%.1fk", x / 1_000)
        default: return String(format: x < 10_000_000 ? "%.2fM" : "%.1fM", x / 1_000_000)
        }
    }

    /// 1,000: a count that must read exactly (a pick number against the budget).
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var text = n < 0 ? "-" : ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }

    /// 42 s, 3 min 05 s, 1 h 02 min.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        if s < 60 { return "\(s) s" }
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
