import ArgumentParser
import Foundation
import Logging
import WinnowCoordination
import WinnowNative
import WinnowRuntime

/// `winnow worker`: connects to a coordinator, runs the tasks it leases, exits when told.
/// Exit codes: 0 the run ended, 69 refused by the coordinator or the pool differs here, 75 no
/// coordinator (or it went silent): rerun to rejoin.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run selection tasks for a coordinator.")

    @Option(help: "The coordinator's endpoint, e.g. tcp://node17:7700.")
    var connect: String

    @OptionGroup var security: WorkerSecurityOptions

    @Option(help: "Tasks run at once (use one worker per core and 1 slot, or one worker with a slot per core).")
    var slots: Int = CoordinationSettings.Default.slots

    @Option(help: "Name in the coordinator's logs and report (default: HOST-PID).")
    var name: String?

    @Option(help: "Join only a run whose configuration hash is this (hex, from the coordinator's log).")
    var expectConfig: String?

    @Option(help: "Seconds to wait for a coordinator before giving up (exit 75).")
    var connectTimeout: Double = CoordinationSettings.Default.connectTimeout.seconds

    @Option(help: "Seconds to keep calling a coordinator that went silent (1 s doubling to 32 s between tries) before giving up (exit 75).")
    var coordinatorLostTimeout: Double = CoordinationSettings.Default.coordinatorLostTimeout.seconds

    @Option(help: .hidden)
    var throttle: Double = 1

    /// Test aid: the first task hangs forever while the worker keeps heartbeating.
    @Flag(help: .hidden)
    var stallFirstTask = false

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if slots < 1 || slots > 1024 { throw ValidationError("--slots must be 1...1024 (got \(slots))") }
        if let h = expectConfig, hexBytes(h) == nil { throw ValidationError("--expect-config must be hex (got '\(h)')") }
        if !(throttle >= 1) { throw ValidationError("--throttle must be at least 1") }
        if !(connectTimeout > 0) { throw ValidationError("--connect-timeout must be positive") }
        if !(coordinatorLostTimeout >= 0) { throw ValidationError("--coordinator-lost-timeout must be 0 or more") }
    }

    @Option(
        help: "Log lines as text (time, level, key=value pairs quoted as logfmt, message) or json (one object per line). Default: WINNOW_LOG_FORMAT, else text."
    )
    var logFormat: LogFormat?

    func run() throws {
        if let logFormat { LogFormat.use(logFormat) }
        let host = ProcessInfo.processInfo.hostName
        var options = WorkerProcess.Options(connect: connect, name: name ?? "\(host)-\(ProcessInfo.processInfo.processIdentifier)")
        var log = LogSetup.make(level: logLevel)
        log[metadataKey: "worker"] = "\(options.name)"
        BLAS.useSingleThread()
        MemoryTuning.reuseLargeBlocks()
        options.slots = slots
        options.expectedConfigHash = expectConfig.flatMap(hexBytes) ?? []
        options.throttle = throttle
        options.stallFirstTask = stallFirstTask
        do { options.security = try security.security(connect: connect) } catch { throw ExitStatus.report(error) }
        options.coordination.connectTimeout = .milliseconds(Int(connectTimeout * 1000))
        options.coordination.coordinatorLostTimeout = .milliseconds(Int(coordinatorLostTimeout * 1000))
        let stop = StopSignals.process
        let status: StatusCode
        do {
            status = try WorkerProcess(options: options, log: log).run(stop: stop)
        } catch {
            throw ExitStatus.report(error)
        }
        // The socket is closed and its last messages sent (linger) by now, but a task thread may
        // still be inside BLAS (a stop mid-task, a cancelled or stuck task): exit()'s destructors,
        // OpenBLAS's among them, would free memory under it (seen as a SIGSEGV when Slurm sent USR1).
        fflush(nil)
        _exit(status.rawValue)
    }
}

func hexBytes(_ s: String) -> [UInt8]? {
    guard s.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        guard let b = UInt8(s[i..<j], radix: 16) else { return nil }
        out.append(b)
        i = j
    }
    return out
}
