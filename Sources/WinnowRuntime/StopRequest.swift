import Dispatch
import WinnowCoordination
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a run was asked to stop from outside.
public enum StopRequest: Int32, Sendable {
    case interrupt = 2  // SIGINT, Ctrl-C
    case terminate = 15  // SIGTERM, Slurm's preemption or time limit
    case user1 = 10  // SIGUSR1, Slurm's --signal warning

    public var name: String {
        switch self {
        case .interrupt: "SIGINT"
        case .terminate: "SIGTERM"
        case .user1: "SIGUSR1"
        }
    }

    /// 130 for Ctrl-C (the shell's convention); 75 (temporary: requeue me) for a scheduler's signal.
    public var statusCode: StatusCode { self == .interrupt ? .interrupted : .temporary }
}

/// Turns SIGINT/SIGTERM/SIGUSR1 into a flag an event loop polls between waits (signal handlers
/// themselves do nothing but set it, through Dispatch).
///
/// `@unchecked`: `sources` is written once, by `install()`, before any handler can run.
public final class StopSignals: @unchecked Sendable {
    private let requested = Mutex<StopRequest?>(nil)
    private var sources: [any DispatchSourceSignal] = []

    /// Only `process` makes one: a second set of handlers would take signals from the first.
    private init() {}

    /// The process's one set of handlers, installed on first use. A command that serves several runs
    /// in turn (a k-means, then the selection) must not install a second set: on Linux a signal goes to
    /// one Dispatch source only, which may be the finished run's, and the request would be lost. One
    /// shared flag also keeps a signal that comes between two runs: the next one stops at once.
    public static let process: StopSignals = {
        let signals = StopSignals()
        signals.install()
        installed.withLock { $0 = signals }
        return signals
    }()

    private static let installed = Mutex<StopSignals?>(nil)

    /// The stop asked for, if this process installed the handlers (a run on workers); nil otherwise —
    /// asking does not install them, so a run in one process still dies of the signal itself.
    public static var pending: StopRequest? { installed.withLock { $0 }?.request }

    /// Ends a phase that runs in the command's process while the handlers are installed (after or
    /// between runs on workers): a signal must not wait for the phase to finish.
    public static func throwIfPending() throws(RunFailure) {
        if let request = pending { throw RunFailure.interrupted(request) }
    }

    private func install() {
        for s in [StopRequest.interrupt, .terminate, .user1] {
            signal(s.rawValue, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s.rawValue, queue: .global())
            source.setEventHandler { [weak self] in self?.requested.withLock { $0 = $0 ?? s } }
            source.resume()
            sources.append(source)
        }
    }

    public var request: StopRequest? { requested.withLock { $0 } }
}
