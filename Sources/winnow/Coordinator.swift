import ArgumentParser
import WinnowCoordination
import WinnowCore
import WinnowRuntime

/// `winnow coordinator`: plans the run and serves it to workers that connect from anywhere
/// (`winnow worker --connect tcp://THIS-HOST:7700`), then writes the outputs like `select`.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Serve a selection to workers over ZeroMQ and write its outputs.",
        discussion: "Workers need the pool at the same path (a shared filesystem). Exit codes as for select.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "ZeroMQ endpoint to bind.")
    var bind = "tcp://*:7700"

    @OptionGroup var security: CoordinatorSecurityOptions

    @OptionGroup var coordination: CoordinationOptions

    func validate() throws {
        if selection.method.objective == .coverageCentric {
            throw ValidationError("coverage-centric selection reads scores, not vectors: run it with winnow select (no workers needed)")
        }
    }

    func run() throws {
        // Refused before the pool is read: a key problem is found in a second, not after planning.
        let transport: TransportSecurity
        do { transport = try security.security(bind: bind) } catch { throw ExitStatus.report(error) }
        let security = security
        try selection.run(
            on: .served(
                bind: bind, security: transport, coordination: coordination.settings,
                announce: { security.announce($0, log: $1) }), command: "coordinator")
    }
}
