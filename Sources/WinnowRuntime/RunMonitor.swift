import Foundation
import WinnowCoordination

/// Shows a running selection: the progress line on stderr and `DIR/metrics.prom`. Whoever runs the
/// tree (the coordinator's loop, or the single-process run) offers it statuses as often as it likes;
/// the monitor decides when each output is due, so a status is built only then.
public final class RunMonitor {
    public let settings: ProgressSettings
    public let console: ProgressConsole
    public let metrics: MetricsFile?
    private let clock = ContinuousClock()
    private var lastLine: ContinuousClock.Instant?
    private var lastMetrics: ContinuousClock.Instant?
    private var shownLevel: Int?
    private var metricsFailed = false

    public init(settings: ProgressSettings, console: ProgressConsole, metricsPath: String?) {
        self.settings = settings
        self.console = console
        metrics = metricsPath.map(MetricsFile.init)
    }

    /// Offers the current status, built only when something is due: a line, the metrics, or a new
    /// phase, shown at once. `level`, when the caller knows it cheaply, tells a new phase without the
    /// status: building it every time the coordinator's loop woke was 40 % of the coordinator's CPU
    /// with 100 workers (BENCHMARKS.md, the coordinator simulation). Without it a console that shows
    /// progress gets the status every time.
    public func observe(level: Int? = nil, _ status: () -> RunStatus) {
        let now = clock.now
        let lineDue = console.style != .quiet && lastLine.map { now - $0 >= lineInterval } ?? true
        let newPhase = console.style != .quiet && (level.map { $0 != shownLevel } ?? true)
        let metricsDue = metrics != nil && lastMetrics.map { now - $0 >= settings.metricsEvery } ?? true
        guard lineDue || newPhase || metricsDue else { return }
        let s = status()
        if console.style != .quiet, lineDue || s.level != shownLevel {
            console.show(s, distributed: !s.inProcess)
            lastLine = now
            shownLevel = s.level
        }
        if metricsDue {
            writeMetrics(s)
            lastMetrics = now
        }
    }

    /// The run ended (finished, or stopped): the summary line and the last metrics.
    public func finish(_ status: RunStatus) {
        console.end(status, distributed: !status.inProcess)
        writeMetrics(status)
    }

    private var lineInterval: Duration {
        console.style == .live ? settings.liveRedraw : settings.plainEvery
    }

    /// Metrics are a convenience: a folder that cannot take them is said once, and the run goes on.
    private func writeMetrics(_ status: RunStatus) {
        guard let metrics, !metricsFailed else { return }
        do {
            try metrics.write(status)
        } catch {
            metricsFailed = true
            console.log("warning: metrics not written: \(error)\n")
        }
    }
}
