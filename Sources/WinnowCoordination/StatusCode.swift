/// The status a process of a run exits with (README "Exit codes"), after BSD sysexits. Every layer
/// says which one it means by name; the CLI turns it into the process status.
public enum StatusCode: Int32, Sendable, Equatable, CaseIterable {
    case done = 0
    /// A flag missing or out of range, plain TCP on an endpoint other hosts reach, a bad key file.
    case usage = 64
    /// Input data at fault: a truncated or corrupt file, a NaN/Inf row, a damaged journal header.
    case badData = 65
    /// A peer or configuration that does not fit the run: refused worker, another pool, a stale journal.
    case incompatible = 69
    case internalError = 70
    /// `--out` cannot take the outputs.
    case cannotWrite = 73
    /// Worth retrying as it is: no coordinator, a socket not bound, SIGTERM/SIGUSR1 (requeue me).
    case temporary = 75
    /// Ctrl-C.
    case interrupted = 130
}
