import ArgumentParser

@main
struct Winnow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Pick the most useful rows out of a pool of embedding vectors.",
        discussion: """
            Exit codes: 0 done, 64 usage (a flag to change), 65 bad input data (the message names the \
            file and byte or row), 69 incompatible peer or configuration, 75 temporary (rerun to resume).
            """,
        version: "0.1.0",
        subcommands: [
            Select.self, ClusterCommand.self, DedupCommand.self, CoordinatorCommand.self, WorkerCommand.self, StatusCommand.self, Keygen.self, Inspect.self,
            ReportCommand.self, Generate.self, Bench.self,
        ]
    )
}
