import ArgumentParser
import Foundation
import WinnowCoordination
import WinnowRuntime

/// `winnow status`: asks a running coordinator where its run stands, over the run's own protocol.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask a running coordinator for its run's state.",
        discussion: """
            Prints the phase, progress, ETA and workers (or JSON with --json). Exit codes: 0 answered, \
            64 a flag or key problem, 69 the coordinator refused this client's key, 75 no answer in time.
            """)

    @Option(help: "The coordinator's endpoint, e.g. tcp://node17:7700.")
    var connect: String

    @OptionGroup var security: WorkerSecurityOptions

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 5

    @Flag(help: "Print the status as JSON.")
    var json = false

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        do {
            let transport = try security.security(connect: connect)
            let status = try StatusClient.ask(connect, security: transport, timeout: .milliseconds(Int64((timeout * 1000).rounded())))
            print(json ? StatusText.json(status) : StatusText.table(status))
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
