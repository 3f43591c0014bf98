/// How a run shows that it is moving: the progress line on stderr and `DIR/metrics.prom`.
public struct ProgressSettings: Sendable {
    public enum Default {
        /// Between plain progress lines when stderr is not a terminal (Slurm job logs): often enough
        /// to see a job move, rare enough that an hour's log stays readable.
        public static let plainEvery: Duration = .seconds(30)
        /// Fastest redraw of the live line on a terminal.
        public static let liveRedraw: Duration = .milliseconds(200)
        /// Between rewrites of `DIR/metrics.prom` during a run (node_exporter's textfile collector
        /// reads it on every scrape, typically every 15 s or more).
        public static let metricsEvery: Duration = .seconds(5)
    }

    public enum Mode: Sendable, Equatable {
        /// A live line when stderr is a terminal, plain lines otherwise.
        case automatic
        case live
        case plain
        /// No progress lines and no summary (logs still follow `--log-level`).
        case quiet
    }

    public var mode = Mode.automatic
    public var plainEvery = Default.plainEvery
    public var liveRedraw = Default.liveRedraw
    public var metricsEvery = Default.metricsEvery

    public init() {}
}
