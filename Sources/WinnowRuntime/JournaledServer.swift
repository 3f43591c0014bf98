import Foundation
import Logging
import WinnowCoordination
import WinnowCore
import WinnowIO

/// A coordinator run that journals every result it accepts (design §4, failure handling): the same
/// command after an interruption (Slurm's preemption, a requeue, Ctrl-C) reuses them instead of
/// running those tasks again. Selections, k-means passes and de-duplication groups all serve through
/// here, so all of them resume the same way.
enum JournaledServer {
    /// - Parameters:
    ///   - serving: where and how (`ServeContext`), the journal and the runs around this one.
    ///   - derivedInputs: as `CoordinatorServer`'s.
    ///   - monitor: shows the run's progress (line and metrics).
    static func run<Book: TaskBook>(
        book: Book, config: RunConfig, serving: ServeContext, derivedInputs: Set<String> = [], monitor: RunMonitor? = nil, log: Logger
    ) throws -> (Book.Outcome, CoordinationReport) {
        let journal = serving.journal
        let files = JournalFiles(path: journal)
        try files.prepare()
        let server: CoordinatorServer<Book>
        do {
            server = try CoordinatorServer(book: book, config: config, serving: serving, derivedInputs: derivedInputs, log: log)
        } catch let refusal as Journal.Refusal {
            // Another run's journal, one of other data, or a damaged one: not ours to touch.
            if case .damaged = refusal.reason { throw RunFailure(.badData, refusal.description) }
            throw RunFailure(.incompatible, refusal.description)
        }
        let result: (Book.Outcome, CoordinationReport)
        do {
            // A run the journal holds whole needs no workers (a k-means finished before its selection was interrupted).
            if !server.isRestoredWhole {
                try serving.listening(DistributedSelection.Endpoint(address: server.endpoint, configHash: server.configHash))
            }
            result = try server.run(stop: serving.stop, monitor: monitor, watchdog: serving.watchdog)
        } catch let failure as RunFailure where failure.isInterruption {
            // Interrupted: the journal stays, so the same command resumes where this one stopped.
            log.notice("the journal is kept for resuming", metadata: ["journal": "\(journal ?? "")"])
            throw failure
        } catch {
            files.discard()
            throw error
        }
        if !serving.keepJournal { files.discard() }
        return result
    }
}

/// The journal's place in `--out`. It exists only while a run is unfinished: a finished run's outputs
/// replace it, and a run that failed for good (bad data, another configuration) leaves nothing, not
/// even the folder if the run made it.
public struct JournalFiles {
    public let path: String?
    private let madeFolder: Bool

    public init(path: String?) {
        self.path = path
        let folder = path.map { ($0 as NSString).deletingLastPathComponent }
        madeFolder = folder.map { !FileManager.default.fileExists(atPath: $0) } ?? false
    }

    public func prepare() throws {
        guard let path else { return }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    }

    /// Runs `body`, then discards `journals` whichever way it ended but an interruption: a command
    /// stopped from outside (`RunFailure.isInterruption`) keeps them, and run again resumes from them.
    public static func discarded<T>(after journals: [JournalFiles], _ body: () throws -> T) throws -> T {
        do {
            let result = try body()
            journals.forEach { $0.discard() }
            return result
        } catch let failure as RunFailure where failure.isInterruption {
            throw failure
        } catch {
            journals.forEach { $0.discard() }
            throw error
        }
    }

    public func discard() {
        guard let path else { return }
        try? FileManager.default.removeItem(atPath: path)
        let folder = (path as NSString).deletingLastPathComponent
        if madeFolder, (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
