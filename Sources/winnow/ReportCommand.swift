import ArgumentParser
import WinnowRuntime

/// `winnow report DIR`: a readable summary of a finished or interrupted run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a run folder: what ran, how long, how good, what failed, where the outputs are; or what an interrupted run left.")

    @Argument(help: "The run's --out folder.")
    var folder: String

    func run() throws {
        do {
            print(try RunSummary.describe(folder: folder))
        } catch {
            throw ExitStatus.report(error)
        }
    }
}
