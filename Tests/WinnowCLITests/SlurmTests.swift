import Foundation
import XCTest
import WinnowTestKit

/// `cluster/slurm/winnow.sbatch` submitted to a real single-node Slurm (`Scripts/slurm-local`),
/// 3 tasks: rank 0 coordinator, ranks 1–2 workers. Skipped (not passed) where Slurm cannot be set up.
final class SlurmTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    var startedSlurm = false

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("Slurm integration needs root to run Scripts/slurm-local; not run") }
        if CLI.shell("\(Self.repo)/Scripts/slurm-local status").status != 0 {
            let up = CLI.shell("\(Self.repo)/Scripts/slurm-local start")
            guard up.status == 0 else { throw XCTSkip("Slurm could not be set up here; not run:\n\(up.output)") }
            startedSlurm = true
        }
    }

    override func tearDown() {
        if startedSlurm { _ = CLI.shell("\(Self.repo)/Scripts/slurm-local stop") }
    }

    /// What Slurm itself said, for failure messages: a job that fails on another machine should say why.
    func slurmLogs(job: String) -> String {
        CLI.shell("scontrol show job \(job); tail -n 20 /var/lib/winnow-slurm/slurmctld.log /var/lib/winnow-slurm/slurmd.log").output
    }

    /// Submits the job script unchanged (knobs through the environment); returns the job id.
    func submit(
        _ dir: TemporaryDirectory, pool: String, flags: String, objective: String = "facility-location",
        command: String = "select"
    ) throws -> String {
        let env = "COMMAND=\(command) POOL='\(pool)' BUDGET=60 OBJECTIVE=\(objective) OUT='\(dir.file("out"))' FLAGS='\(flags)' WINNOW='\(CLI.binary)'"
        let r = CLI.shell("\(env) sbatch --parsable --chdir='\(dir.path)' --output='\(dir.file("job.out"))' \(Self.repo)/cluster/slurm/winnow.sbatch")
        XCTAssertEqual(r.status, 0, r.output)
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
    }

    func waitForJob(_ id: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if CLI.shell("squeue -h -j \(id) -o %T").output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return true }
            Thread.sleep(forTimeInterval: 0.5)
        }
        _ = CLI.shell("scancel \(id)")
        return false
    }

    func reference(_ dir: TemporaryDirectory, pool: String, flags: [String]) throws -> Data {
        let r = try CLI.run(["select", "--input", pool, "--budget", "60", "--workers", "0", "--out", dir.file("ref")] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        return Outputs.bytes(dir.file("ref/selection.npy"))
    }

    func testBatchJobSelectsWhatSelectSelects() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "200000", "--dim", "24", "--clusters", "16", "--files", "3", "--out", dir.file("pool")]).status, 0)
        let flags = ["--chunk-rows", "1024", "--fan-in", "4", "--no-eval"]
        let expected = try reference(dir, pool: dir.file("pool/pool-*.npy"), flags: flags)
        let job = try submit(dir, pool: dir.file("pool/pool-*.npy"), flags: flags.joined(separator: " "))
        XCTAssertTrue(waitForJob(job, seconds: 180), "job \(job) did not finish")
        let output = (try? String(contentsOfFile: dir.file("job.out"), encoding: .utf8)) ?? ""
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), expected, output + slurmLogs(job: job))
        XCTAssertTrue(output.contains("step ended with status 0"), output)
        let secrets = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/keys")).filter { $0.hasSuffix(".secret") }
            .map { try String(contentsOfFile: dir.file("out/keys/\($0)"), encoding: .utf8).split(separator: "\n").last.map(String.init) ?? "" }
        for s in secrets { XCTAssertFalse(output.contains(s), "a secret key is in the job output") }
    }

    /// `OBJECTIVE=cluster-balanced`: the k-means runs on the job's worker ranks, which the coordinator then
    /// sends on to the selection; the job writes what `select --workers 0` writes.
    func testClusterBalancedBatchJobRunsItsKMeansOnTheRanks() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "100000", "--dim", "24", "--clusters", "16", "--out", dir.file("pool")]).status, 0)
        let flags = ["--chunk-rows", "2048", "--no-eval", "--clusters", "6"]
        let expected = try reference(dir, pool: dir.file("pool/pool-*.npy"), flags: flags + ["--objective", "cluster-balanced"])
        let job = try submit(dir, pool: dir.file("pool/pool-*.npy"), flags: flags.joined(separator: " "), objective: "cluster-balanced")
        XCTAssertTrue(waitForJob(job, seconds: 180), "job \(job) did not finish")
        let output = (try? String(contentsOfFile: dir.file("job.out"), encoding: .utf8)) ?? ""
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), expected, output + slurmLogs(job: job))
        XCTAssertEqual(Outputs.bytes(dir.file("out/clusters.npy")), Outputs.bytes(dir.file("ref/clusters.npy")))
        XCTAssertTrue(output.contains("step ended with status 0"), output)
        XCTAssertGreaterThanOrEqual(output.components(separatedBy: "another follows").count - 1, 1, "the k-means's ranks went on: \(output)")
    }

    /// `COMMAND=dedup`: `winnow dedup --serve` on rank 0; its k-means and then its within-cluster pass
    /// run on the worker ranks; the job keeps and drops what `dedup --workers 0` does.
    func testDedupBatchJobRunsOnTheRanks() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "60000", "--dim", "16", "--clusters", "12", "--out", dir.file("pool")]).status, 0)
        let flags = ["--threshold", "0.98", "--clusters", "20", "--iterations", "4"]
        let reference = try CLI.run(["dedup", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("ref")] + flags)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let job = try submit(dir, pool: dir.file("pool/pool-*.npy"), flags: flags.joined(separator: " "), command: "dedup")
        XCTAssertTrue(waitForJob(job, seconds: 180), "job \(job) did not finish")
        let output = (try? String(contentsOfFile: dir.file("job.out"), encoding: .utf8)) ?? ""
        for file in ["kept.npy", "dropped.csv"] {
            XCTAssertEqual(Outputs.bytes(dir.file("out/" + file)), Outputs.bytes(dir.file("ref/" + file)), file + output + slurmLogs(job: job))
        }
        XCTAssertTrue(output.contains("step ended with status 0"), output)
        XCTAssertGreaterThanOrEqual(output.components(separatedBy: "another follows").count - 1, 1, "the k-means's ranks went on: \(output)")
    }

    /// `scontrol requeue` mid-run: the job is killed, restarts, resumes from the journal (the job
    /// output says so) and ends with the same selection.
    func testRequeuedJobResumesFromTheJournal() throws {
        _ = try interruptMidRun { job in XCTAssertEqual(CLI.shell("scontrol requeue \(job)").status, 0) }
    }

    /// Submits a ~15 s job, interrupts it once results are journaled, lets Slurm start it again,
    /// and checks the resumed run; returns the job output.
    private func interruptMidRun(_ interrupt: (String) -> Void) throws -> String {
        let dir = TemporaryDirectory()
        XCTAssertEqual(
            try CLI.run(["generate", "--rows", "500000", "--dim", "128", "--dtype", "float16", "--files", "3", "--out", dir.file("pool")]).status, 0)
        let flags = ["--no-eval"]
        let expected = try reference(dir, pool: dir.file("pool/pool-*.npy"), flags: flags)
        let job = try submit(dir, pool: dir.file("pool/pool-*.npy"), flags: flags.joined(separator: " "))
        let journal = dir.file("out/journal.wnj")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0) < 100_000 {
            Thread.sleep(forTimeInterval: 0.2)
        }
        interrupt(job)
        // Slurm holds a requeued job back for a while before it may start again; let it start now.
        for _ in 0..<300 {
            let state = CLI.shell("scontrol show job \(job)").output
            if state.contains("JobState=PENDING") && !state.contains("Restarts=0") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        // Not at once: started within a moment of its requeue, slurmd may still hold the killed
        // incarnation's revoked credential and fail the job ("Job credential revoked", exit 1).
        Thread.sleep(forTimeInterval: 3)
        _ = CLI.shell("scontrol update JobId=\(job) StartTime=now")
        XCTAssertTrue(waitForJob(job, seconds: 240), "job \(job) did not finish")
        let output = (try? String(contentsOfFile: dir.file("job.out"), encoding: .utf8)) ?? ""
        XCTAssertTrue(output.contains("restart 1"), output + slurmLogs(job: job))
        XCTAssertTrue(output.contains("resuming from the journal"), output)
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), expected, output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: journal), "a finished run removes its journal")
        return output
    }
}
