import ArgumentParser
import WinnowRuntime

/// `winnow keygen`: the CURVE keys of one run, so that only its own workers can join.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make CURVE keys for a coordinator and its workers.",
        discussion: """
            Writes DIR/coordinator.{secret,public} and DIR/worker-N.{secret,public} (folder 0700, secret files \
            0600). Give the coordinator --keys DIR, each worker --key DIR/worker-N.secret. The coordinator \
            admits exactly the worker-*.public keys in DIR: delete one to shut its holder out.
            """)

    @Option(help: "Folder to create (refuses one that already holds keys).")
    var out: String

    @Option(help: "Worker key pairs to make (workers may share one).")
    var workers = 1

    func validate() throws {
        if !(1...100_000).contains(workers) { throw ValidationError("--workers must be 1...100000 (got \(workers))") }
    }

    func run() throws {
        do {
            try KeyDirectory.generate(in: out, workers: workers)
        } catch {
            throw ExitStatus.report(error)
        }
        print(
            """
            keys written to \(out)/ (1 coordinator pair, \(workers) worker pair\(workers == 1 ? "" : "s"))
              coordinator: winnow coordinator --keys \(out) ...
              worker:      winnow worker --key \(out)/worker-1.secret --connect tcp://HOST:7700 ...
            """)
    }
}
