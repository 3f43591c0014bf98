import Foundation
import XCTest
import WinnowCoordination
import WinnowCore
import WinnowNative
import WinnowTestKit
import WinnowTransport
import WinnowWire

/// The distributed runtime as users run it: real processes, real ZeroMQ sockets.
final class DistributedTests: XCTestCase {
    /// Runs with several worker processes use `rows: 200_000`: long enough (a few seconds) that every
    /// worker has joined before the work runs out.
    func makePool(_ dir: TemporaryDirectory, rows: Int = 20000) throws {
        let r = try CLI.run([
            "generate", "--rows", "\(rows)", "--dim", "24", "--clusters", "16", "--files", "3", "--dtype", "float16", "--out", dir.file("pool"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// A pool whose run takes a few seconds (98 chunks), with its `--workers 0` selection in `ref/`:
    /// long enough to interrupt mid-run. Returns the selection flags.
    func makeInterruptiblePool(_ dir: TemporaryDirectory) throws -> [String] {
        let g = try CLI.run(["generate", "--rows", "400000", "--dim", "32", "--files", "2", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let flags = ["--input", dir.file("pool/pool-*.npy"), "--budget", "400", "--chunk-rows", "4096", "--no-eval"]
        XCTAssertEqual(try CLI.run(["select", "--workers", "0", "--out", dir.file("ref")] + flags).status, 0)
        return flags
    }

    var selectionFlags: [String] { ["--budget", "60", "--chunk-rows", "1024", "--fan-in", "4", "--no-eval"] }

    /// A coordinator of the selection on `dir`'s pool, writing to `dir/out` and logging to
    /// `dir/coordinator.log`; its endpoint.
    func startCoordinator(_ dir: TemporaryDirectory) throws -> (Process, String) {
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinator = try CLI.start(
            [
                "coordinator", "--bind", endpoint, "--input", dir.file("pool/pool-*.npy"),
                "--out", dir.file("out"),
            ] + selectionFlags, log: dir.file("coordinator.log"))
        return (coordinator, endpoint)
    }

    func report(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// `select --workers 1, 2, 3, 5` ⇒ byte-identical selection.npy, equal to the single-process run.
    func testWorkerCountsGiveByteIdenticalSelections() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let reference = try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("w0")] + selectionFlags)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = Outputs.bytes(dir.file("w0/selection.npy"))
        for workers in [1, 2, 3, 5] {
            let r = try CLI.run(
                ["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "\(workers)", "--out", dir.file("w\(workers)")] + selectionFlags)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(Outputs.bytes(dir.file("w\(workers)/selection.npy")), expected, "--workers \(workers)")
            let cluster = try XCTUnwrap(try report(dir.file("w\(workers)/report.json"))["cluster"] as? [String: Any])
            let tallies = try XCTUnwrap(cluster["workers"] as? [[String: Any]])
            XCTAssertEqual(tallies.count, workers)
            XCTAssertEqual(tallies.reduce(0) { $0 + ($1["chunk_tasks"] as! Int) }, 20)
            // Each worker that ran a task reported its process's peak memory: more than the binary
            // itself, far less than this machine.
            for t in tallies where (t["chunk_tasks"] as! Int) + (t["merge_tasks"] as! Int) > 0 {
                XCTAssertTrue((8 << 20..<4 << 30).contains(t["peak_resident_bytes"] as? Int ?? 0), "\(t)")
            }
        }
        let summary = try CLI.run(["report", dir.file("w3")])
        XCTAssertTrue(summary.stdout.contains("worker peak RSS: "), summary.stdout)
        // Merge nodes that cover a row sample: the samples travel with the coresets, same answer.
        let sampled = selectionFlags + ["--merge-sample", "700"]
        XCTAssertEqual(try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("s0")] + sampled).status, 0)
        let r = try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "2", "--out", dir.file("s2")] + sampled)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("s2/selection.npy")), Outputs.bytes(dir.file("s0/selection.npy")))
        XCTAssertNotEqual(Outputs.bytes(dir.file("s0/selection.npy")), expected, "--merge-sample changes what merges cover")
        // Statistics, not only the selection, match the single-process run.
        let a = try report(dir.file("w0/report.json"))["statistics"] as? NSDictionary
        let b = try report(dir.file("w3/report.json"))["statistics"] as? NSDictionary
        XCTAssertEqual(a, b)
    }

    /// `winnow coordinator` and two `winnow worker` processes on loopback TCP; before the workers
    /// join, a hostile client sends garbage, a wrong magic and a truncated message: each is dropped
    /// and counted, and the coordinator serves on.
    func testCoordinatorAndWorkerProcessesSurviveHostileMessages() throws {
        let dir = TemporaryDirectory()
        try makePool(dir, rows: 200_000)
        _ = try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("ref")] + selectionFlags)
        let (coordinator, endpoint) = try startCoordinator(dir)
        let context = try Context()
        let hostile = try Socket(context, kind: .dealer)
        try hostile.connect(endpoint)
        let valid = WireCodec().encode(.heartbeat(leases: [], tasksDone: 0), header: .init(runID: "x", epoch: 1, sender: "evil", sequence: 1))
        var wrongMagic = valid
        wrongMagic[1] ^= 0xFF
        for message in [[UInt8](repeating: 0xAB, count: 64), wrongMagic, Array(valid.prefix(valid.count - 3))] {
            try hostile.send([message])
        }
        try hostile.send([[1], [2]])
        // The workers come only once the coordinator has dealt with the hostile peer.
        Polling.until(timeout: 10) {
            ((try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "").contains("invalid message dropped")
        }
        let workers = try (0..<2).map { i in
            try CLI.start(["worker", "--connect", endpoint, "--name", "w\(i)"], log: dir.file("worker\(i).log"))
        }
        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, (try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "")
        for w in workers { XCTAssertEqual(CLI.wait(w, seconds: 20), 0) }
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        let cluster = try XCTUnwrap(try report(dir.file("out/report.json"))["cluster"] as? [String: Any])
        let wire = try XCTUnwrap(cluster["wire"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(wire["invalid_messages"] as? Int ?? 0, 4, "\(wire)")
        let log = try String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("invalid message dropped"), log)
    }

    /// Ctrl-C on `select --workers 2`: exit 130, no outputs, and no worker process left behind.
    func testInterruptStopsEveryLocalWorker() throws {
        let dir = TemporaryDirectory()
        let g = try CLI.run(["generate", "--rows", "300000", "--dim", "32", "--out", dir.file("big")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let select = try CLI.start(
            [
                "select", "--input", dir.file("big/pool-*.npy"), "--budget", "500", "--workers", "2",
                "--out", dir.file("out"),
            ], log: dir.file("select.log"))
        var pids: [Int32] = []
        let deadline = Date().addingTimeInterval(60)
        while pids.count < 2 && Date() < deadline && select.isRunning {
            Thread.sleep(forTimeInterval: 0.1)
            let log = (try? String(contentsOfFile: dir.file("select.log"), encoding: .utf8)) ?? ""
            pids = log.split(separator: "\n").filter { $0.contains("worker joined") && $0.contains("pid=") }.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("pid=") }.flatMap { Int32($0.dropFirst(4)) }
            }
        }
        XCTAssertEqual(pids.count, 2, "both workers joined")
        select.interrupt()
        XCTAssertEqual(CLI.wait(select, seconds: 30), 130)
        Polling.until(timeout: 10) { pids.allSatisfy { kill($0, 0) != 0 } }
        for pid in pids { XCTAssertNotEqual(kill(pid, 0), 0, "worker \(pid) still running") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/selection.npy")))
    }

    /// SIGKILL one of three workers mid-run, at two different moments: the coordinator declares it
    /// gone after heartbeat × liveness, leases its task again, and the selection does not change.
    /// (`Scripts/faults/run` runs 20 moments.)
    func testWorkerKilledMidRunChangesNothing() throws {
        let dir = TemporaryDirectory()
        let g = try CLI.run(["generate", "--rows", "400000", "--dim", "32", "--files", "2", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let flags = [
            "--input", dir.file("pool/pool-*.npy"), "--budget", "400", "--chunk-rows", "4096", "--no-eval",
            "--heartbeat-ms", "100", "--liveness", "5",
        ]
        let reference = try CLI.run(["select", "--workers", "0", "--out", dir.file("ref")] + flags)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        for (run, delay) in [0.4, 1.5].enumerated() {
            let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
            let coordinator = try CLI.start(
                ["coordinator", "--bind", endpoint, "--out", dir.file("out\(run)")] + flags,
                log: dir.file("c\(run).log"))
            let workers = try (0..<3).map { i in
                try CLI.start(["worker", "--connect", endpoint, "--name", "w\(i)"], log: dir.file("w\(run)-\(i).log"))
            }
            Thread.sleep(forTimeInterval: delay)
            XCTAssertTrue(workers[1].isRunning, "run \(run): the run ended before the kill; make the pool bigger")
            kill(workers[1].processIdentifier, SIGKILL)
            XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, (try? String(contentsOfFile: dir.file("c\(run).log"), encoding: .utf8)) ?? "")
            for i in [0, 2] { XCTAssertEqual(CLI.wait(workers[i], seconds: 20), 0) }
            _ = CLI.wait(workers[1], seconds: 1)
            XCTAssertEqual(Outputs.bytes(dir.file("out\(run)/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")), "run \(run)")
            let counters = try XCTUnwrap((try report(dir.file("out\(run)/report.json"))["cluster"] as? [String: Any])?["counters"] as? [String: Any])
            // Either the silence was noticed, or a backup copy of the dead worker's task won first.
            XCTAssertGreaterThanOrEqual((counters["workers_lost"] as? Int ?? 0) + (counters["backups_won"] as? Int ?? 0), 1, "\(counters)")
        }
    }

    /// SIGKILL the coordinator mid-run and start it again with the same --out: it resumes from its
    /// journal (no journaled task is redone), the running workers rejoin it by themselves, and the
    /// selection is identical.
    func testCoordinatorKilledAndRestartedResumes() throws {
        let dir = TemporaryDirectory()
        let flags = try makeInterruptiblePool(dir)
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinatorArgs = ["coordinator", "--bind", endpoint, "--out", dir.file("out")] + flags
        let first = try CLI.start(coordinatorArgs, log: dir.file("c1.log"))
        let workers = try (0..<3).map { i in
            try CLI.start(["worker", "--connect", endpoint, "--name", "w\(i)"], log: dir.file("w\(i).log"))
        }
        // Killed once every worker has joined (each must see the restart) and some results are
        // journaled, so that the restart has something to resume.
        Polling.until(timeout: 60) {
            let joined = ((try? String(contentsOfFile: dir.file("c1.log"), encoding: .utf8)) ?? "").components(separatedBy: "worker joined").count - 1
            let journaled = ((try? FileManager.default.attributesOfItem(atPath: dir.file("out/journal.wnj")))?[.size] as? Int) ?? 0
            return (joined >= 3 && journaled >= 2000) || !first.isRunning
        }
        XCTAssertTrue(first.isRunning, "the run ended before the kill; make the pool bigger")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let second = try CLI.start(coordinatorArgs, log: dir.file("c2.log"))
        XCTAssertEqual(CLI.wait(second, seconds: 120), 0, (try? String(contentsOfFile: dir.file("c2.log"), encoding: .utf8)) ?? "")
        for w in workers { XCTAssertEqual(CLI.wait(w, seconds: 20), 0) }
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        let cluster = try XCTUnwrap(try report(dir.file("out/report.json"))["cluster"] as? [String: Any])
        let counters = try XCTUnwrap(cluster["counters"] as? [String: Any])
        let reused = counters["reused_from_journal"] as? Int ?? 0
        XCTAssertGreaterThan(reused, 0, "\(counters)")
        // Every task was done exactly once across the two coordinators: the journal's results (chunks,
        // and merges, which are leased as soon as their children are in) are not done again.
        let workersNow = cluster["workers"] as? [[String: Any]] ?? []
        let tasksNow = workersNow.reduce(0) { $0 + ($1["chunk_tasks"] as? Int ?? 0) + ($1["merge_tasks"] as? Int ?? 0) }
        let mergeTasks = try XCTUnwrap((try report(dir.file("out/report.json"))["plan"] as? [String: Any])?["merge_tasks"] as? Int)
        let log = try String(contentsOfFile: dir.file("c2.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("resuming from the journal"), log)
        XCTAssertLessThanOrEqual(tasksNow, 98 + mergeTasks - reused + (counters["backups_issued"] as? Int ?? 0), "\(counters)")
        let workerLog = try String(contentsOfFile: dir.file("w0.log"), encoding: .utf8)
        XCTAssertTrue(workerLog.contains("coordinator was restarted"), workerLog)
        // The second coordinator journaled each result it accepted; results taken in together shared a sync.
        let journal = try XCTUnwrap(cluster["journal"] as? [String: Any], "\(cluster.keys)")
        let records = try XCTUnwrap(journal["records"] as? Int), syncs = try XCTUnwrap(journal["syncs"] as? Int)
        XCTAssertEqual(records, 98 + mergeTasks - reused, "\(journal)")
        XCTAssertTrue((1...records).contains(syncs), "\(journal)")
        XCTAssertGreaterThan(journal["bytes"] as? Int ?? 0, records * 8, "\(journal)")
    }

    /// SIGTERM (Slurm's preemption) on `select --workers 2`: exit 75, the journal stays in --out, and
    /// the same command again resumes from it to the identical selection.
    func testTerminatedRunExits75AndTheSameCommandResumes() throws {
        let dir = TemporaryDirectory()
        let flags = try makeInterruptiblePool(dir)
        let command = ["select", "--workers", "2", "--out", dir.file("out")] + flags
        try terminateOnceJournaled(command, dir)
        // `winnow report` reads what the interrupted run left, without touching it.
        let journal = Outputs.bytes(dir.file("out/journal.wnj"))
        let said = try CLI.run(["report", dir.file("out")])
        XCTAssertEqual(said.status, 0, said.stderr)
        XCTAssertTrue(said.stdout.contains("interrupted run") && said.stdout.contains("accepted result"), said.stdout)
        XCTAssertTrue(said.stdout.contains("resume"), said.stdout)
        XCTAssertEqual(Outputs.bytes(dir.file("out/journal.wnj")), journal)
        let second = try CLI.run(command)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/journal.wnj")), "a finished run removes its journal")
        let counters = try XCTUnwrap((try report(dir.file("out/report.json"))["cluster"] as? [String: Any])?["counters"] as? [String: Any])
        XCTAssertGreaterThan(counters["reused_from_journal"] as? Int ?? 0, 0, "\(counters)")
        let finished = try CLI.run(["report", dir.file("out")])
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertTrue(finished.stdout.contains("finished run") && finished.stdout.contains("cluster: 2 workers"), finished.stdout)
        XCTAssertTrue(finished.stdout.contains("results reused from a journal"), finished.stdout)
    }

    /// Starts `command`, sends it SIGTERM once results are journaled in `dir/out`, and checks that it
    /// exits 75 with the journal kept and no outputs.
    func terminateOnceJournaled(_ command: [String], _ dir: TemporaryDirectory) throws {
        let first = try CLI.start(command, log: dir.file("first.log"))
        func journalBytes() -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: dir.file("out/journal.wnj")))?[.size] as? Int) ?? 0
        }
        let deadline = Date().addingTimeInterval(60)
        while journalBytes() < 2000 && Date() < deadline && first.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(first.isRunning, "the run ended before SIGTERM; make the pool bigger")
        first.terminate()
        XCTAssertEqual(CLI.wait(first, seconds: 30), 75, (try? String(contentsOfFile: dir.file("first.log"), encoding: .utf8)) ?? "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("out/journal.wnj")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/selection.npy")))
    }

    /// A pool file changed between the interruption and the resume, with the same shape (so the
    /// configuration is the same): rewritten in place, or another file renamed over it. The resume
    /// refuses with 69 naming the file and says why, and keeps the journal; it never reuses results
    /// computed from the old data. Before, it reused them and exited 0 with a selection of neither pool.
    func testResumeAfterThePoolChangedIsRefused() throws {
        for change in ["rewritten in place", "renamed over"] {
            let dir = TemporaryDirectory()
            let flags = try makeInterruptiblePool(dir)
            XCTAssertEqual(try CLI.run(["generate", "--rows", "400000", "--dim", "32", "--files", "2", "--seed", "9", "--out", dir.file("other")]).status, 0)
            let command = ["select", "--workers", "2", "--out", dir.file("out")] + flags
            try terminateOnceJournaled(command, dir)
            let journal = Outputs.bytes(dir.file("out/journal.wnj"))
            let (target, replacement) = (dir.file("pool/pool-001.npy"), dir.file("other/pool-001.npy"))
            if change == "rewritten in place" {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: replacement))
                let handle = try XCTUnwrap(FileHandle(forWritingAtPath: target))
                try handle.write(contentsOf: bytes)
                try handle.close()
            } else {
                try FileManager.default.copyItem(atPath: replacement, toPath: dir.file("pool/incoming"))
                XCTAssertEqual(rename(dir.file("pool/incoming"), target), 0)
            }
            let second = try CLI.run(command)
            XCTAssertEqual(second.status, 69, "\(change): \(second.stderr)")
            XCTAssertTrue(second.stderr.contains("pool-001.npy changed since") && second.stderr.contains("not reused"), "\(change): \(second.stderr)")
            XCTAssertTrue(second.stderr.contains(change == "renamed over" ? "another file now" : "modified"), "\(change): \(second.stderr)")
            XCTAssertEqual(Outputs.bytes(dir.file("out/journal.wnj")), journal, "\(change): the journal is left as it was")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/selection.npy")))
        }
    }

    /// A worker whose first task hangs while its heartbeats go on (a stuck read): with
    /// `--progress-timeout 2` the lease is taken back, another worker does the task, and the
    /// selection is unchanged.
    func testStuckTaskOnALiveWorkerIsTakenBack() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        _ = try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("ref")] + selectionFlags)
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinator = try CLI.start(
            [
                "coordinator", "--bind", endpoint, "--input", dir.file("pool/pool-*.npy"), "--out", dir.file("out"),
                "--progress-timeout", "2", "--no-backups", "--heartbeat-ms", "200",
            ] + selectionFlags,
            log: dir.file("coordinator.log"))
        let stuck = try CLI.start(["worker", "--connect", endpoint, "--name", "stuck", "--stall-first-task"], log: dir.file("stuck.log"))
        // The stuck worker joins first, so that it holds a task when the healthy one comes.
        Polling.until(timeout: 20) {
            ((try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "").contains("worker joined")
        }
        let healthy = try CLI.start(["worker", "--connect", endpoint, "--name", "healthy"], log: dir.file("healthy.log"))
        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, (try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "")
        XCTAssertEqual(CLI.wait(healthy, seconds: 20), 0)
        XCTAssertEqual(CLI.wait(stuck, seconds: 20), 0, "a worker with a hung task still leaves on Shutdown")
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        let cluster = try XCTUnwrap(try report(dir.file("out/report.json"))["cluster"] as? [String: Any])
        let counters = try XCTUnwrap(cluster["counters"] as? [String: Any])
        XCTAssertEqual(counters["leases_revoked"] as? Int, 1, "\(counters)")
        XCTAssertEqual(counters["workers_lost"] as? Int, 0, "\(counters)")
        let log = try String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("task made no progress"), log)
    }

    /// Log-det and the random baseline: the same selection in one process and on 2 or 3 workers, and a
    /// report that says what ran and how it compares with a random subset.
    func testLogDetAndRandomAreIdenticalAcrossWorkerCounts() throws {
        let dir = TemporaryDirectory()
        try makePool(dir, rows: 200_000)
        for objective in ["log-det", "random"] {
            var digests: Set<Data> = []
            for workers in [0, 2, 3] {
                let out = dir.file("\(objective)-\(workers)")
                let r = try CLI.run([
                    "select", "--input", dir.file("pool/pool-*.npy"), "--objective", objective, "--budget", "300",
                    "--chunk-rows", "4096", "--eval-sample", "20000", "--workers", "\(workers)", "--quiet", "--out", out,
                ])
                XCTAssertEqual(r.status, 0, r.stderr)
                digests.insert(Outputs.bytes(out + "/selection.npy"))
                let rep = try report(out + "/report.json")
                let configuration = try XCTUnwrap(rep["configuration"] as? [String: Any])
                XCTAssertEqual(configuration["objective"] as? String, objective)
                let quality = try XCTUnwrap(rep["quality"] as? [String: Any])
                let (f, random) = (try XCTUnwrap(quality["objective"] as? Double), try XCTUnwrap(quality["random_objective"] as? Double))
                if objective == "log-det" {
                    XCTAssertEqual(configuration["logdet_ridge"] as? Double, 0.1)
                    XCTAssertEqual(quality["on"] as? String, "selection")
                    XCTAssertGreaterThan(f, random, "the picks span more volume than a random subset")
                    XCTAssertEqual(quality["vs_random"] as? Double ?? 0, exp(f - random), accuracy: 1e-6 * exp(f - random))
                    XCTAssertTrue(r.stdout.contains("quality: log det "), r.stdout)
                } else {
                    XCTAssertNil(configuration["logdet_ridge"])
                    XCTAssertEqual(quality["on"] as? String, "sample")
                }
            }
            XCTAssertEqual(digests.count, 1, "\(objective): worker counts changed the selection")
            XCTAssertEqual(Outputs.bytes(dir.file("\(objective)-0/selection.npy")).count, 128 + 300 * 8)
        }
    }

    /// `--quality-weight`: workers read the scores of their chunks' rows from the same column the
    /// single process reads, so every worker count selects the same rows — others than without it.
    func testQualityWeightIsIdenticalAcrossWorkerCounts() throws {
        let dir = TemporaryDirectory()
        try makePool(dir, rows: 200_000)
        var random = SeededRandom(seed: 4)
        let scores = (0..<200_000).map { _ in Float(random.next() % 10_000) / 10_000 }
        NpyFixtures.write(
            NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (200000,), }")
                + NpyFixtures.float32Bytes(scores), to: dir.file("quality.npy"))
        let flags = ["select", "--input", dir.file("pool/pool-*.npy"), "--budget", "300", "--chunk-rows", "4096", "--no-eval", "--quiet"]
        let weighted = flags + ["--quality", dir.file("quality.npy"), "--quality-weight", "50"]
        var digests: Set<Data> = []
        for workers in [0, 2, 3] {
            let r = try CLI.run(weighted + ["--workers", "\(workers)", "--out", dir.file("q\(workers)")])
            XCTAssertEqual(r.status, 0, r.stderr)
            digests.insert(Outputs.bytes(dir.file("q\(workers)/selection.npy")))
        }
        XCTAssertEqual(digests.count, 1, "worker counts changed the selection")
        XCTAssertEqual(try CLI.run(flags + ["--workers", "0", "--out", dir.file("plain")]).status, 0)
        let plain = try Outputs.selection(dir.file("plain")), chosen = try Outputs.selection(dir.file("q0"))
        XCTAssertNotEqual(plain, chosen)
        let mean = { (rows: [Int64]) in rows.reduce(0.0) { $0 + Double(scores[Int($1)]) } / Double(rows.count) }
        XCTAssertGreaterThan(mean(chosen), mean(plain) + 0.1, "the term pulls the picks towards high scores")

        let missing = try CLI.run(flags + ["--quality-weight", "1", "--out", dir.file("x")])
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--quality-weight needs --quality"), missing.stderr)
        let kCenter = try CLI.run(weighted + ["--objective", "k-center", "--out", dir.file("y")])
        XCTAssertEqual(kCenter.status, 64, kCenter.stderr)
        XCTAssertTrue(kCenter.stderr.contains("k-center has no quality term"), kCenter.stderr)
    }

    /// `--label-budget`: workers read their chunks' labels, every worker count selects the same rows,
    /// and the selection holds exactly the caps the report states.
    func testLabelBudgetsAreKeptAndIdenticalAcrossWorkerCounts() throws {
        let dir = TemporaryDirectory()
        try makePool(dir, rows: 200_000)
        let flags = [
            "select", "--input", dir.file("pool/pool-*.npy"), "--budget", "160", "--chunk-rows", "4096", "--no-eval", "--quiet",
            "--labels", dir.file("pool/labels.npy"),
        ]
        FileManager.default.createFile(atPath: dir.file("caps.json"), contents: Data(#"{"0": 30, "5": 10, "15": 2}"#.utf8))
        for budget in ["balanced", "proportional", dir.file("caps.json")] {
            var digests: Set<Data> = []
            for workers in [0, 2] {
                let out = dir.file("l\(workers)-\(digests.count)-\(budget.count)")
                let r = try CLI.run(flags + ["--label-budget", budget, "--workers", "\(workers)", "--out", out])
                XCTAssertEqual(r.status, 0, r.stderr)
                digests.insert(Outputs.bytes(out + "/selection.npy"))
                let configuration = try XCTUnwrap(try report(out + "/report.json")["configuration"] as? [String: Any])
                let caps = try XCTUnwrap(configuration["label_caps"] as? [String: Int])
                let poolLabels = try Outputs.int64Column(dir.file("pool/labels.npy"))
                var counts: [String: Int] = [:]
                for row in try Outputs.selection(out) { counts[String(poolLabels[Int(row)]), default: 0] += 1 }
                XCTAssertEqual(counts, caps.filter { $0.value > 0 }, "\(budget), \(workers) workers")
            }
            XCTAssertEqual(digests.count, 1, "\(budget): worker counts changed the selection")
        }
        let missing = try CLI.run(flags.filter { !$0.hasSuffix("labels.npy") && $0 != "--labels" } + ["--label-budget", "balanced", "--out", dir.file("x")])
        XCTAssertEqual(missing.status, 64, missing.stderr)
        let bad = try CLI.run(flags + ["--label-budget", dir.file("nothing.json"), "--out", dir.file("y")])
        XCTAssertEqual(bad.status, 64, bad.stderr)
    }

    /// Under `--nonfinite skip` a row holding NaN is never a candidate, so it counts for no label: a
    /// label whose rows are mostly NaN gets a cap of what it has left, and the others share the rest,
    /// so the selection still holds k rows (it held 70 of 90 when the caps counted the NaN rows).
    func testRowsSkippedAsNaNCountForNoLabel() throws {
        let dir = TemporaryDirectory()
        let n = 3000
        var values = NpyFixtures.clustered(rows: n, dimension: 16, seed: 11).values
        for i in 0..<990 * 16 { values[i] = .nan }  // label 0 (rows 0..<1000) keeps 10 finite rows
        NpyFixtures.write(
            NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (\(n), 16), }")
                + NpyFixtures.float32Bytes(values), to: dir.file("pool.npy"))
        let labels = (0..<n).map { Int64($0 / 1000) }
        NpyFixtures.write(
            NpyFixtures.header("{'descr': '<i8', 'fortran_order': False, 'shape': (\(n),), }")
                + labels.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }, to: dir.file("labels.npy"))
        for (budget, expected) in [("balanced", [0: 10, 1: 40, 2: 40]), ("proportional", [1: 45, 2: 45])] {
            var digests: Set<Data> = []
            for workers in [0, 2] {
                let out = dir.file("\(budget)-\(workers)")
                let r = try CLI.run([
                    "select", "--input", dir.file("pool.npy"), "--labels", dir.file("labels.npy"),
                    "--label-budget", budget, "--nonfinite", "skip", "--budget", "90", "--chunk-rows", "1024",
                    "--no-eval", "--quiet", "--workers", "\(workers)", "--out", out,
                ])
                XCTAssertEqual(r.status, 0, r.stderr)
                var counts: [Int: Int] = [:]
                for row in try Outputs.selection(out) {
                    XCTAssertGreaterThanOrEqual(row, 990, "a NaN row was picked")
                    counts[Int(labels[Int(row)]), default: 0] += 1
                }
                XCTAssertEqual(counts, expected, "\(budget), \(workers) workers")
                digests.insert(Outputs.bytes(out + "/selection.npy"))
            }
            XCTAssertEqual(digests.count, 1, "\(budget): worker counts changed the selection")
        }
    }

    /// Coverage-centric selection reads scores, so `select` runs it in its own process whatever
    /// `--workers` says; `coordinator` refuses it; `--score` belongs to it alone.
    func testCoverageCentricSelectsByScores() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let scores = (0..<20000).map { Float($0 % 1000) / 1000 }
        NpyFixtures.write(
            NpyFixtures.header("{'descr': '<f4', 'fortran_order': False, 'shape': (20000,), }")
                + NpyFixtures.float32Bytes(scores), to: dir.file("score.npy"))
        let flags = ["--input", dir.file("pool/pool-*.npy"), "--budget", "200", "--objective", "coverage-centric", "--quiet"]
        for workers in [0, 2] {
            let r = try CLI.run(["select", "--workers", "\(workers)", "--score", dir.file("score.npy"), "--out", dir.file("c\(workers)")] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(Outputs.bytes(dir.file("c0/selection.npy")), Outputs.bytes(dir.file("c2/selection.npy")))
        let picks = try Outputs.selection(dir.file("c0"))
        XCTAssertEqual(picks.count, 200)
        XCTAssertTrue(picks.allSatisfy { scores[Int($0)] < 0.9 }, "the hardest 10% are pruned")
        XCTAssertEqual(
            try report(dir.file("c0/report.json"))["configuration"].flatMap { ($0 as? [String: Any])?["objective"] as? String },
            "coverage-centric")
        let noScore = try CLI.run(["select", "--out", dir.file("x")] + flags)
        XCTAssertEqual(noScore.status, 64, noScore.stderr)
        let coordinator = try CLI.run(
            [
                "coordinator", "--bind", "tcp://127.0.0.1:\(CLI.freePort())", "--score", dir.file("score.npy"),
                "--out", dir.file("y"),
            ] + flags)
        XCTAssertEqual(coordinator.status, 64, coordinator.stderr)
    }

    func testWorkerForAnotherConfigurationIsRejectedWith69() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let (coordinator, endpoint) = try startCoordinator(dir)
        defer { _ = CLI.wait(coordinator, seconds: 0) }
        let r = try CLI.run(["worker", "--connect", endpoint, "--expect-config", "00ff", "--connect-timeout", "20"])
        XCTAssertEqual(r.status, 69, r.stderr)
        XCTAssertTrue(r.stderr.contains("expects configuration 00ff"), r.stderr)
    }

    /// A worker whose OpenBLAS runs another kernel (`OPENBLAS_CORETYPE=Prescott`; `Core2` where the
    /// machine's own is Prescott, as OpenBLAS 0.3.21 falls back to on CPUs it does not know) would give
    /// other float bits: it is refused with 69 and both kernels named, and the run goes on with a worker
    /// of the coordinator's kernel, which the report names.
    func testWorkerWithAnotherBLASKernelIsRejectedWith69() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let (coordinator, endpoint) = try startCoordinator(dir)
        defer { _ = CLI.wait(coordinator, seconds: 0) }
        let otherKernel = BLAS.coreName == "Prescott" ? "Core2" : "Prescott"
        let other = CLI.shell("OPENBLAS_CORETYPE=\(otherKernel) '\(CLI.binary)' worker --connect \(endpoint) --connect-timeout 20")
        XCTAssertEqual(other.status, 69, other.output)
        XCTAssertTrue(
            other.output.contains("computes with OpenBLAS")
                && other.output.contains(" \(otherKernel); the run's similarities come from OpenBLAS"),
            other.output)
        XCTAssertTrue(other.output.contains("OPENBLAS_CORETYPE"), other.output)
        let same = try CLI.run(["worker", "--connect", endpoint, "--connect-timeout", "20"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertEqual(CLI.wait(coordinator, seconds: 30), 0)
        let tool = try XCTUnwrap(try report(dir.file("out/report.json"))["tool"] as? [String: Any])
        let kernel = try XCTUnwrap(tool["blas"] as? String)
        XCTAssertTrue(kernel.hasPrefix("OpenBLAS ") && !kernel.hasSuffix(" \(otherKernel)"), kernel)
        let log = try String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("worker rejected") && log.contains("the run's similarities come from \(kernel)"), log)
    }

    /// A coordinator of a newer build (its configuration carries a field this worker does not know):
    /// the worker leaves with 69 and says to run one build everywhere, instead of computing a run it
    /// cannot read whole. The coordinator here is the test itself, on a ROUTER socket.
    func testWorkerRefusesAConfigurationFromANewerBuildWith69() throws {
        let context = try Context()
        let router = try Socket(context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        let dir = TemporaryDirectory()
        let worker = try CLI.start(["worker", "--connect", endpoint, "--connect-timeout", "30"], log: dir.file("worker.log"))
        let poller = Poller()
        XCTAssertTrue(try poller.wait(sockets: [router], timeoutMillis: 20_000).sockets[0], "no Hello from the worker")
        let hello = try XCTUnwrap(try router.receive())
        guard case .hello = try WireCodec().decodeWorkerMessage(hello[1]).1 else { return XCTFail("not a Hello") }
        var settings = SelectionSettings(budget: 5)
        settings.neighbors = 8
        let config = RunConfig(
            files: [.init(path: "/nonexistent/pool.npy", rows: 100, bytes: 6528, dtype: "<f4")],
            dimension: 16, totalRows: 100, settings: settings, skipNonfinite: false)
        let bytes = WireCodec().encode(
            .welcome(Welcome(configHash: config.hash, config: config, heartbeat: .seconds(1), liveness: 5)),
            header: .init(runID: "newer", epoch: 1, sender: "coordinator", sequence: 1))
        var envelope = try Winnow_V1_Envelope(serializedBytes: bytes)
        envelope.welcome.config.settings = try Winnow_V1_Settings(serializedBytes: try envelope.welcome.config.settings.serializedBytes() + [0xB8, 0x3E, 0x01])
        XCTAssertTrue(try router.send([hello[0], try envelope.serializedBytes()]))
        XCTAssertEqual(CLI.wait(worker, seconds: 20), 69)
        let log = try String(contentsOfFile: dir.file("worker.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("same winnow build"), log)
    }

    func testWorkerWithoutCoordinatorGivesUpWith75() throws {
        let r = try CLI.run(["worker", "--connect", "tcp://127.0.0.1:\(CLI.freePort())", "--connect-timeout", "1"])
        XCTAssertEqual(r.status, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("no coordinator answered"), r.stderr)
    }

    /// A NaN row found by a worker fails the whole run with 65, naming the file and row, and no outputs.
    func testNonfiniteRowFoundByAWorkerFailsTheRun() throws {
        let dir = TemporaryDirectory()
        var block = NpyFixtures.clustered(rows: 3000, dimension: 8, seed: 1)
        block.values[2500 * 8 + 3] = .nan
        NpyFixtures.write(NpyFixtures.pool(block), to: dir.file("pool.npy"))
        let r = try CLI.run(["select", "--input", dir.file("pool.npy"), "--budget", "10", "--chunk-rows", "512", "--workers", "2", "--out", dir.file("out")])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("pool.npy") && r.stderr.contains("row 2500"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/selection.npy")))
    }

    /// Coordinator and two workers in separate network namespaces joined by a veth pair: the
    /// traffic crosses a real interface, so CURVE is required (and used).
    func testAcrossNetworkNamespaces() throws {
        let hosts = try TwoHosts()
        defer { hosts.remove() }
        let dir = TemporaryDirectory()
        try makePool(dir, rows: 200_000)
        _ = try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("ref")] + selectionFlags)
        let (coordinator, workers) = try hosts.startRun(dir, flags: selectionFlags)
        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, (try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "")
        for p in workers { XCTAssertEqual(CLI.wait(p, seconds: 20), 0) }
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        let cluster = try XCTUnwrap(try report(dir.file("out/report.json"))["cluster"] as? [String: Any])
        let names = (cluster["workers"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted()
        XCTAssertEqual(names, ["remote0", "remote1"])
        XCTAssertEqual((cluster["security"] as? [String: Any])?["mechanism"] as? String, "curve")
    }

    /// The link between the workers' host and the coordinator's goes down mid-run for twice heartbeat ×
    /// liveness, then comes back: both sides have declared each other gone, the workers join again, and
    /// the run ends with the bytes of `--workers 0`; no worker outlives the coordinator by 5 s. Before,
    /// the coordinator dropped everything the rejoined workers sent, and the run waited for ever.
    func testLinkOutageLongerThanTheSilenceLimitIsSurvived() throws {
        let hosts = try TwoHosts()
        defer { hosts.remove() }
        let dir = TemporaryDirectory()
        try makePool(dir, rows: 200_000)
        let flags = ["--budget", "100", "--chunk-rows", "4096", "--fan-in", "8", "--no-eval"]
        _ = try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--workers", "0", "--out", dir.file("ref")] + flags)
        // Throttled: the run lasts well past the outage's start.
        let (coordinator, workers) = try hosts.startRun(dir, flags: flags, workerFlags: ["--throttle", "6"])
        let journal = dir.file("out/journal.wnj")
        let deadline = Date().addingTimeInterval(60)
        while ((try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0) < 2000 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(coordinator.isRunning, "the run must still be going when the link goes down")
        XCTAssertEqual(hosts.setWorkerLink(up: false), 0)
        Thread.sleep(forTimeInterval: 10)  // 2 × heartbeat (1 s) × liveness (5)
        XCTAssertEqual(hosts.setWorkerLink(up: true), 0)
        let log = { (try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "" }
        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, log())
        let ended = Date()
        for (i, p) in workers.enumerated() {
            XCTAssertEqual(CLI.wait(p, seconds: 5), 0, "worker \(i) still alive 5 s after the coordinator exited")
        }
        XCTAssertLessThan(Date().timeIntervalSince(ended), 5.5)
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        XCTAssertEqual(
            log().components(separatedBy: "worker silent; declared gone").count - 1, 2, "both workers were cut off for longer than the silence limit: \(log())")
        XCTAssertEqual(log().components(separatedBy: "worker joined").count - 1, 4, log())
        let cluster = try XCTUnwrap(try report(dir.file("out/report.json"))["cluster"] as? [String: Any])
        let counters = try XCTUnwrap(cluster["counters"] as? [String: Any])
        XCTAssertEqual(counters["workers_lost"] as? Int, 2, "\(counters)")
    }
}

/// Two hosts for real-network tests: network namespaces joined by a veth pair, the coordinator's at
/// 10.231.7.1 and the workers' at 10.231.7.2. Made by the test (root and iproute2), removed after it.
struct TwoHosts {
    let coordinatorHost: String, workerHost: String
    static let coordinatorAddress = "10.231.7.1"

    init() throws {
        let tag = "\(getpid() % 10000)"
        (coordinatorHost, workerHost) = ("wnc\(tag)", "wnw\(tag)")
        let (c, w) = (coordinatorHost, workerHost)
        let setup = [
            "netns add \(c)", "netns add \(w)", "link add \(c) type veth peer name \(w)",
            "link set \(c) netns \(c)", "link set \(w) netns \(w)",
            "-n \(c) addr add \(Self.coordinatorAddress)/24 dev \(c)", "-n \(w) addr add 10.231.7.2/24 dev \(w)",
            "-n \(c) link set \(c) up", "-n \(w) link set \(w) up", "-n \(c) link set lo up", "-n \(w) link set lo up",
        ]
        for step in setup where Self.ip(step) != 0 {
            remove()
            throw XCTSkip("network namespaces unavailable here (`ip \(step)` failed: needs root and iproute2); not run")
        }
    }

    static func ip(_ args: String) -> Int32 { CLI.shell("ip \(args)").status }

    func remove() {
        _ = Self.ip("netns del \(coordinatorHost)")
        _ = Self.ip("netns del \(workerHost)")
    }

    /// Takes the workers' end of the link down (every packet lost both ways) or brings it back.
    func setWorkerLink(up: Bool) -> Int32 { Self.ip("-n \(workerHost) link set \(workerHost) \(up ? "up" : "down")") }

    /// A coordinator of `dir`'s pool on its host with CURVE keys, and two workers on theirs.
    func startRun(_ dir: TemporaryDirectory, flags: [String], workerFlags: [String] = []) throws -> (Process, [Process]) {
        XCTAssertEqual(try CLI.run(["keygen", "--out", dir.file("keys"), "--workers", "2"]).status, 0)
        let endpoint = "tcp://\(Self.coordinatorAddress):7700"
        let coordinator = try CLI.start(
            [
                "coordinator", "--bind", endpoint, "--input", dir.file("pool/pool-*.npy"),
                "--keys", dir.file("keys"), "--out", dir.file("out"),
            ] + flags,
            log: dir.file("coordinator.log"), prefix: ["/usr/sbin/ip", "netns", "exec", coordinatorHost])
        let workers = try (0..<2).map { i in
            try CLI.start(
                [
                    "worker", "--connect", endpoint, "--name", "remote\(i)",
                    "--key", dir.file("keys/worker-\(i + 1).secret"),
                ] + workerFlags, log: dir.file("w\(i).log"),
                prefix: ["/usr/sbin/ip", "netns", "exec", workerHost])
        }
        return (coordinator, workers)
    }
}
