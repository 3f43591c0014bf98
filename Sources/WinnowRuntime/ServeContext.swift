import Logging
import WinnowCoordination

/// How a coordinator serves one run: where it binds, whom it lets in, where it journals, which runs
/// of the same command come before and after it, and what may stop it. One value travels from the
/// entry points through each job kind to `JournaledServer`.
public struct ServeContext {
    /// e.g. `tcp://*:7700`; `tcp://127.0.0.1:*` picks a free port.
    public var bind: String
    public var security: TransportSecurity = .plain
    public var coordination = CoordinationSettings()
    /// The journal's path (in `--out`): accepted results are written there, and a restarted
    /// coordinator with the same configuration reuses them. nil: none.
    public var journal: String?
    /// Leave the journal after a finished run, for a command that goes on (the k-means before a
    /// selection): interrupted later, the same command finds the k-means whole. The command discards it
    /// at its end (`JournalFiles`).
    public var keepJournal = false
    /// The command serves another run at `bind` next; its workers are sent there when this one is done.
    public var nextRunFollows = false
    /// The command's run before this one sent its workers here.
    public var followsRun = false
    /// Those earlier runs' configuration hashes, when known (a late worker may expect one).
    public var earlierRuns: [[UInt8]] = []
    public var stop: StopSignals?
    /// Asked while serving; a failure it returns ends the run (local workers all gone).
    public var watchdog: () -> RunFailure? = { nil }
    /// Called once the socket is bound, before serving (start local workers here, or say how to join).
    public var listening: (DistributedSelection.Endpoint) throws -> Void

    public init(bind: String, stop: StopSignals?, listening: @escaping (DistributedSelection.Endpoint) throws -> Void) {
        self.bind = bind
        self.stop = stop
        self.listening = listening
    }

    /// Serving workers that join from anywhere (`winnow coordinator`, `--serve`), stopped by this
    /// process's signals; `announce` tells how to join once the coordinator listens.
    public static func joined(
        bind: String, security: TransportSecurity, coordination: CoordinationSettings, journal: String?, log: Logger,
        announce: @escaping (DistributedSelection.Endpoint, Logger) -> Void
    ) -> ServeContext {
        var serving = ServeContext(bind: bind, stop: StopSignals.process) { announce($0, log) }
        serving.security = security
        serving.coordination = coordination
        serving.journal = journal
        return serving
    }
}
