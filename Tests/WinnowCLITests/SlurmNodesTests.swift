import Foundation
import XCTest
import WinnowTestKit

/// `cluster/slurm/winnow.sbatch` and `winnow-workers.sbatch` on a Slurm of four compute nodes, each in
/// its own network and hostname namespace on a bridge (`Scripts/slurm-nodes`), with the faults a cluster
/// meets: a node that dies, a link cut and healed, a lossy and slow network, the coordinator's node dying,
/// workers that come and go. Every run must write the bytes of `select --workers 0`, accept no task
/// twice and leave no Winnow process on any node. Skipped (not passed) where the nodes cannot be made.
final class SlurmNodesTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let script = "\(repo)/Scripts/slurm-nodes"
    static let nodes = ["wn1", "wn2", "wn3", "wn4"]
    static let budget = 200
    nonisolated(unsafe) static var started = false
    nonisolated(unsafe) static var unavailable: String?
    nonisolated(unsafe) static var shared: TemporaryDirectory?
    nonisolated(unsafe) static var reference = Data()
    /// The run's silence limit: heartbeat (1 s) × liveness (5), the defaults.
    static let silenceLimit = 5.0

    override class func setUp() {
        guard getuid() == 0 else {
            unavailable = "the multi-node Slurm needs root to make network namespaces; not run"
            return
        }
        if CLI.shell("\(script) status").status != 0 {
            _ = CLI.shell("\(script) stop")
            let up = CLI.shell("\(script) start \(nodes.count)")
            guard up.status == 0 else {
                unavailable = "the multi-node Slurm could not be set up here; not run:\n\(up.output)"
                _ = CLI.shell("\(script) stop")
                return
            }
            started = true
        }
        let dir = TemporaryDirectory()
        shared = dir
        switch poolAndReference(dir, name: "pool", rows: 300_000) {
        case .success(let bytes): reference = bytes
        case .failure(let why): unavailable = "could not make the pool or its reference: \(why.message)"
        }
    }

    struct PoolFailure: Error { let message: String }

    /// A generated pool of `rows` × 32 in `dir/name` and the bytes of its `select --workers 0`
    /// selection at `budget`: what every distributed run of that pool must give.
    static func poolAndReference(_ dir: TemporaryDirectory, name: String, rows: Int) -> Result<Data, PoolFailure> {
        let pool = try? CLI.run(["generate", "--rows", "\(rows)", "--dim", "32", "--clusters", "16", "--files", "3", "--out", dir.file(name)])
        let ref = try? CLI.run([
            "select", "--input", dir.file("\(name)/pool-*.npy"), "--budget", "\(budget)", "--no-eval", "--workers", "0", "--out",
            dir.file("\(name)-ref"),
        ])
        guard pool?.status == 0, ref?.status == 0 else { return .failure(PoolFailure(message: "\(pool?.stderr ?? "") \(ref?.stderr ?? "")")) }
        return .success(Outputs.bytes(dir.file("\(name)-ref/selection.npy")))
    }

    override class func tearDown() {
        if started { _ = CLI.shell("\(script) stop") }
        shared = nil
    }

    override func setUpWithError() throws {
        if let reason = Self.unavailable { throw XCTSkip(reason) }
        // A node a test killed comes back before the next test, and no job is left from it.
        for node in Self.nodes where !nodeUp(node) { _ = CLI.shell("\(Self.script) revive \(node)") }
        XCTAssertTrue(
            Polling.until(timeout: 90, interval: 0.5) { Self.nodes.allSatisfy(self.nodeUp) && self.slurm("squeue -h").output.isEmpty },
            slurm("sinfo -N; squeue").output)
    }

    // MARK: Slurm and the nodes

    /// The cluster's slurm.conf, which every Slurm command here is pointed at.
    static let conf = CLI.shell("\(script) conf").output.trimmingCharacters(in: .whitespacesAndNewlines)

    func slurm(_ command: String) -> (status: Int32, output: String) { CLI.shell("SLURM_CONF=\(Self.conf) \(command)") }

    func nodeUp(_ node: String) -> Bool {
        let state = slurm("sinfo -h -N -n \(node) -o %T").output.trimmingCharacters(in: .whitespacesAndNewlines)
        return ["idle", "mixed", "allocated"].contains(state)
    }

    /// The nodes a job runs on, first (the coordinator's) first.
    func nodes(of job: String) -> [String] {
        let list = slurm("squeue -h -j \(job) -o %N").output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !list.isEmpty else { return [] }
        return slurm("scontrol show hostnames '\(list)'").output.split(separator: "\n").map(String.init)
    }

    /// Submits `winnow.sbatch` with its knobs in the environment; returns the job id.
    func submit(out: String, sbatch: String, workerFlags: String = "") -> String {
        let env =
            "POOL='\(Self.shared!.file("pool/pool-*.npy"))' BUDGET=\(Self.budget) OUT='\(out)' FLAGS='--no-eval' WORKER_FLAGS='\(workerFlags)' WINNOW='\(CLI.binary)'"
        let r = slurm("\(env) sbatch --parsable \(sbatch) --output='\(out).job' \(Self.repo)/cluster/slurm/winnow.sbatch")
        XCTAssertEqual(r.status, 0, r.output)
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
    }

    /// Waits until no job of `ids` is left. Slurm holds a requeued job for two minutes before it may
    /// start again (its fixed requeue delay); the wait lets it start at once, which changes nothing of
    /// what the job does.
    func waitForJobs(_ ids: [String], seconds: Double) -> Bool {
        let done = Polling.until(timeout: seconds, interval: 1) {
            let states = self.slurm("squeue -h -j \(ids.joined(separator: ",")) -o '%i %r'").output
            for line in states.split(separator: "\n") where line.hasSuffix("BeginTime") {
                _ = self.slurm("scontrol update JobId=\(line.split(separator: " ")[0]) StartTime=now")
            }
            return states.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        if !done { _ = slurm("scancel \(ids.joined(separator: " "))") }
        return done
    }

    /// Waits until the run in `out` has journaled some results: the faults strike mid-run.
    func waitForProgress(_ out: String, bytes: Int = 20_000) {
        let journal = "\(out)/journal.wnj"
        XCTAssertTrue(
            Polling.until(timeout: 90, interval: 0.5) { ((try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0) >= bytes },
            "the run in \(out) journaled nothing")
    }

    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    func tail(_ text: String, _ lines: Int) -> String { text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n") }

    /// What every run must show: the bytes of `--workers 0`, and every task of the plan accepted once
    /// (from a worker, from the journal of an earlier coordinator, or merged on the coordinator).
    func assertSameSelectionAcceptedOnce(_ out: String, reference: Data = reference, context: @autoclosure () -> String) throws {
        XCTAssertEqual(Outputs.bytes("\(out)/selection.npy"), reference, context())
        let report = try Outputs.report(out)
        let plan = try XCTUnwrap(report["plan"] as? [String: Any])
        let cluster = try XCTUnwrap(report["cluster"] as? [String: Any])
        let counters = try XCTUnwrap(cluster["counters"] as? [String: Any])
        let workers = try XCTUnwrap(cluster["workers"] as? [[String: Any]])
        let accepted = workers.reduce(0) { $0 + ($1["chunk_tasks"] as? Int ?? 0) + ($1["merge_tasks"] as? Int ?? 0) }
        let tasks = (plan["chunks"] as? Int ?? 0) + (plan["merge_tasks"] as? Int ?? 0)
        XCTAssertEqual(
            accepted + (counters["reused_from_journal"] as? Int ?? 0) + (counters["merges_on_coordinator"] as? Int ?? 0), tasks,
            "a task accepted twice or not at all: \(counters) \(workers.map { ($0["name"] ?? "", $0["chunk_tasks"] ?? 0, $0["merge_tasks"] ?? 0) })")
    }

    /// One line in the test log per run, for RELIABILITY.md: the coordinator's wall time and counters.
    func record(_ fault: String, _ out: String, started: Date) {
        let report = try? Outputs.report(out)
        let cluster = report?["cluster"] as? [String: Any]
        let counters = (cluster?["counters"] as? [String: Any] ?? [:]).filter { ($0.value as? Int ?? 0) > 0 }.map { "\($0.key)=\($0.value)" }.sorted()
        print(
            "slurm-nodes \(fault): job \(String(format: "%.1f", Date().timeIntervalSince(started))) s, run \(String(format: "%.1f", cluster?["wall_seconds"] as? Double ?? 0)) s, \(counters.joined(separator: " "))"
        )
    }

    /// No `winnow` process is left on any node (killed nodes have none by construction).
    func assertNoWinnowLeft() {
        var left = ""
        let clean = Polling.until(timeout: 20, interval: 0.5) {
            left = Self.nodes.map { node in
                let pids = CLI.shell("\(Self.script) pids \(node)").output.split(separator: "\n").joined(separator: ",")
                guard !pids.isEmpty else { return "" }
                return CLI.shell("ps -o pid=,comm=,args= -p \(pids) | awk '$2 == \"winnow\"' | sed 's/^/\(node): /'").output
            }.joined()
            return left.isEmpty
        }
        XCTAssertTrue(clean, "processes left after the job:\n\(left)")
    }

    /// A coordinator log line's time (`2026-12-05T06:34:17+0000 …`), to the second.
    func loggedTimes(_ log: String, containing needle: String) -> [Date] {
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        format.locale = Locale(identifier: "en_US_POSIX")
        return log.split(separator: "\n").filter { $0.contains(needle) }.compactMap { format.date(from: String($0.prefix(24))) }
    }

    // MARK: The tests

    /// Fault-free: the coordinator on the first node, five workers over three nodes, CURVE between them,
    /// the endpoint at the address Slurm reaches the node at.
    func testJobRunsAcrossThreeNodes() throws {
        let out = Self.shared!.file("fault-free")
        let started = Date()
        // Workers slowed as in the node-failure tests, whose fault-free baseline this is.
        let job = submit(out: out, sbatch: "--nodes=3 --ntasks=6 --ntasks-per-node=2", workerFlags: "--throttle 3")
        XCTAssertTrue(waitForJobs([job], seconds: 180), "job \(job) did not finish")
        let log = text("\(out).job")
        try assertSameSelectionAcceptedOnce(out, context: log)
        record("fault-free", out, started: started)
        XCTAssertTrue(log.contains("step ended with status 0"), log)
        let cluster = try XCTUnwrap(try Outputs.report(out)["cluster"] as? [String: Any])
        let hosts = Set(try XCTUnwrap(cluster["workers"] as? [[String: Any]]).compactMap { $0["host"] as? String })
        XCTAssertEqual(hosts, ["wn1", "wn2", "wn3"], log)
        XCTAssertEqual((cluster["security"] as? [String: Any])?["mechanism"] as? String, "curve")
        XCTAssertEqual(
            text("\(out)/endpoint").trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: ":").dropLast().joined(separator: ":"),
            "tcp://10.77.0.11", "the endpoint is the first node's NodeAddr")
        assertNoWinnowLeft()
    }

    /// A job over three nodes (two tasks each, workers slowed by `throttle`) whose run meets `fault`
    /// once `progress` bytes are journaled; `fault` gets the job's nodes, the coordinator's first.
    /// Returns the job's output folder and log once the job has ended with status 0 and the bytes of
    /// `--workers 0`, every task accepted once.
    func runJob(
        _ name: String, throttle: Int, progress: Int, seconds: Double, fault: ([String]) throws -> Void
    ) throws -> (out: String, log: String) {
        let out = Self.shared!.file(name.replacingOccurrences(of: " ", with: "-"))
        let started = Date()
        let job = submit(out: out, sbatch: "--nodes=3 --ntasks=6 --ntasks-per-node=2", workerFlags: "--throttle \(throttle)")
        XCTAssertTrue(Polling.until(timeout: 60, interval: 0.5) { self.nodes(of: job).count == 3 })
        let nodes = nodes(of: job)
        waitForProgress(out, bytes: progress)
        try fault(nodes)
        XCTAssertTrue(waitForJobs([job], seconds: seconds), "job \(job) did not finish: \(slurm("scontrol show job \(job)").output)")
        let log = text("\(out).job")
        XCTAssertTrue(log.contains("step ended with status 0"), log)
        try assertSameSelectionAcceptedOnce(out, context: log)
        record(name, out, started: started)
        return (out, log)
    }

    func counters(_ out: String) throws -> [String: Any] {
        try XCTUnwrap((try Outputs.report(out)["cluster"] as? [String: Any])?["counters"] as? [String: Any])
    }

    /// A worker node dies (every process in its namespace killed, its link down): the coordinator leases
    /// its tasks again, the run finishes on the others, and the job ends without waiting for Slurm to
    /// declare the node down.
    func testWorkerNodeDyingMidRunTakesOnlyItsWorkers() throws {
        var victim = ""
        let (out, _) = try runJob("worker node dies", throttle: 3, progress: 300_000, seconds: 180) { nodes in
            victim = try XCTUnwrap(nodes.last)
            XCTAssertEqual(CLI.shell("\(Self.script) kill \(victim)").status, 0)
        }
        let counters = try counters(out)
        XCTAssertEqual(counters["workers_lost"] as? Int, 2, "both workers of \(victim) are lost: \(counters)")
        assertNoWinnowLeft()
    }

    /// One worker node cut off for 30 s, then healed, while the run goes on: its workers are declared
    /// gone within the silence limit of the cut (the run does not wait for them), they rejoin after the
    /// heal, and what they send then is dropped or counted once.
    func testPartitionedNodeIsNotWaitedForAndRejoins() throws {
        var victim = ""
        var (cut, healed) = (Date(), Date())
        let (_, log) = try runJob("partition 30 s", throttle: 12, progress: 4_000, seconds: 240) { nodes in
            victim = try XCTUnwrap(nodes.last)
            cut = Date()
            XCTAssertEqual(CLI.shell("\(Self.script) cut \(victim)").status, 0)
            Thread.sleep(forTimeInterval: 30)
            XCTAssertEqual(CLI.shell("\(Self.script) heal \(victim)").status, 0)
            healed = Date()
        }
        // The log's times are whole seconds: one more second of slack than the bound.
        let gone = loggedTimes(log, containing: "declared gone")
        let early = gone.filter { $0.timeIntervalSince(cut) <= Self.silenceLimit + 2 }
        XCTAssertEqual(early.count, 2, "both workers of \(victim) declared gone within the silence limit: \(log)")
        // slurmctld, which missed the node's answers during the cut, may still take the node down and
        // kill its tasks after they rejoined (srun: "Node failure"): then they are declared gone again.
        if gone.count > early.count {
            XCTAssertTrue(log.contains("Node failure on \(victim)"), "workers declared gone again without Slurm failing \(victim): \(log)")
        }
        let rejoined = loggedTimes(log, containing: "host=\(victim) peer=").filter { $0 >= healed.addingTimeInterval(-1) }
        XCTAssertFalse(rejoined.isEmpty, "the workers of \(victim) joined again after the heal: \(log)")
        assertNoWinnowLeft()
    }

    /// The coordinator's node dies: Slurm removes it from the job (which --no-kill keeps), a worker task
    /// on another node requeues the job, and it comes back with the coordinator on another node,
    /// resuming from the journal on the shared filesystem.
    func testCoordinatorNodeDyingRequeuesTheJobElsewhere() throws {
        var first = ""
        let (out, log) = try runJob("coordinator node dies", throttle: 3, progress: 500_000, seconds: 400) { nodes in
            first = try XCTUnwrap(nodes.first)
            XCTAssertEqual(CLI.shell("\(Self.script) kill \(first)").status, 0)
        }
        XCTAssertTrue(log.contains("(restart 1): coordinator on"), log)
        XCTAssertFalse(log.contains("(restart 1): coordinator on \(first) "), "the coordinator came back on another node: \(log)")
        XCTAssertTrue(log.contains("resuming from the journal"), log)
        let counters = try counters(out)
        XCTAssertGreaterThan(counters["reused_from_journal"] as? Int ?? 0, 5, "\(counters)")
        assertNoWinnowLeft()
    }

    /// Workers from another job: a coordinator job of one task, an array of two worker jobs; one is
    /// requeued mid-run (what preemption does to an element submitted with --requeue) and comes back,
    /// one is cancelled, and another is added later. Each finds the run through the shared OUT.
    func testElasticWorkersJoinAndLeaveARunningJob() throws {
        let out = Self.shared!.file("elastic-workers")
        let started = Date()
        let job = submit(out: out, sbatch: "--nodes=1 --ntasks=1")
        let env = "OUT='\(out)' WINNOW='\(CLI.binary)' WORKER_FLAGS='--throttle 3'"
        let workers = "\(Self.repo)/cluster/slurm/winnow-workers.sbatch"
        let array = slurm("\(env) sbatch --parsable --array=1-2 --output='\(out)-w%a.log' \(workers)")
        XCTAssertEqual(array.status, 0, array.output)
        let arrayID = array.output.trimmingCharacters(in: .whitespacesAndNewlines)
        waitForProgress(out)
        XCTAssertEqual(slurm("scontrol requeue \(arrayID)_2").status, 0)
        let nodeOf1 = try XCTUnwrap(nodes(of: "\(arrayID)_1").first)
        XCTAssertEqual(slurm("scancel \(arrayID)_1").status, 0)
        Thread.sleep(forTimeInterval: 3)
        let later = slurm("\(env) sbatch --parsable --array=3 --output='\(out)-w%a.log' \(workers)")
        XCTAssertEqual(later.status, 0, later.output)
        let laterID = later.output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(waitForJobs([job, arrayID, laterID], seconds: 240), "jobs did not finish")
        let log = text("\(out).job")
        XCTAssertTrue(log.contains("step ended with status 0"), log)
        try assertSameSelectionAcceptedOnce(out, context: log)
        record("elastic workers", out, started: started)
        // Its leases come back either way: given back as it stops, or when it is declared gone.
        XCTAssertTrue(
            log.contains("peer=\(nodeOf1)-a1 reason=\"worker stopped by SIGTERM\"") || log.contains("peer=\(nodeOf1)-a1 [WinnowRuntime] worker silent"),
            "the cancelled worker's leases came back: \(log)")
        XCTAssertTrue(log.contains("-a3 pid="), "the worker added later joined: \(log)")
        XCTAssertTrue(text("\(out)-w2.log").contains("restart 1"), text("\(out)-w2.log"))
        XCTAssertGreaterThanOrEqual(log.components(separatedBy: "-a2 pid=").count - 1, 2, "the requeued worker joined again: \(log)")
        XCTAssertTrue(text("\(out)-w1.log").contains("stopped"), text("\(out)-w1.log"))
        assertNoWinnowLeft()
    }

    /// 20 % of every node's packets to another node dropped and 100 ms added each way (a relay on the
    /// coordinator's node; this kernel has no netem) for the whole run, against the same run on a clean
    /// network: the same bytes, in at most twice the time. Processes started on the nodes directly:
    /// the relay must sit between the workers and the coordinator. Each worker has two slots, as the
    /// README advises on a slow network: while one task's result and the next lease travel, the other
    /// slot computes (with one slot the idle round trips make it 2.5×).
    func testLossySlowNetworkKeepsTheBytesWithinTwiceTheTime() throws {
        let dir = Self.shared!
        XCTAssertEqual(try CLI.run(["keygen", "--out", dir.file("lossy-keys"), "--workers", "3"]).status, 0)
        // A pool whose clean run takes ~20 s: what the lossy link adds at a few points (a SYN lost
        // twice costs 3 s) must not weigh as much as it would against the shared pool's 6 s run.
        let reference = try Self.poolAndReference(dir, name: "lossy-pool", rows: 1_000_000).get()
        let port = CLI.freePort()
        func run(_ name: String, connect: Int) throws -> Double {
            let out = dir.file(name)
            let started = Date()
            let coordinator = try CLI.start(
                [
                    "coordinator", "--bind", "tcp://0.0.0.0:\(port)", "--input", dir.file("lossy-pool/pool-*.npy"), "--budget", "\(Self.budget)",
                    "--no-eval", "--keys", dir.file("lossy-keys"), "--out", out,
                ], log: "\(out).log", prefix: [Self.script, "on", "wn1"])
            let workers = try (2...4).map { i in
                try CLI.start(
                    [
                        "worker", "--connect", "tcp://10.77.0.11:\(connect)", "--key", dir.file("lossy-keys/worker-\(i - 1).secret"), "--name", "wn\(i)",
                        "--slots", "2",
                    ],
                    log: "\(out).w\(i).log", prefix: [Self.script, "on", "wn\(i)"])
            }
            XCTAssertEqual(CLI.wait(coordinator, seconds: 300), 0, text("\(out).log"))
            let seconds = Date().timeIntervalSince(started)
            for (w, i) in zip(workers, 2...4) {
                // On a failure, what the worker and the coordinator said at the end: whether the
                // farewell reached it, its acknowledgement came back, or its link was being rebuilt.
                let status = CLI.wait(w, seconds: 10)
                XCTAssertEqual(
                    status, 0,
                    "worker wn\(i) of the \(name) run:\n\(tail(text("\(out).w\(i).log"), 40))\ncoordinator:\n\(tail(text("\(out).log"), 25))")
            }
            try assertSameSelectionAcceptedOnce(out, reference: reference, context: text("\(out).log"))
            return seconds
        }
        let clean = try run("clean", connect: port)
        let relay = Process()
        relay.executableURL = URL(fileURLWithPath: Self.script)
        relay.arguments = [
            "on", "wn1", "python3", "\(Self.repo)/Scripts/faults/delay-relay", "10.77.0.11:\(port + 1)", "127.0.0.1:\(port)", "--delay-ms", "100",
        ]
        try relay.run()
        defer {
            relay.terminate()
            relay.waitUntilExit()
            _ = CLI.shell("\(Self.script) clear")
        }
        XCTAssertEqual(CLI.shell("\(Self.script) lossy 20").status, 0)
        let lossy = try run("lossy", connect: port + 1)
        print("lossy network: \(String(format: "%.1f", lossy)) s against \(String(format: "%.1f", clean)) s clean (\(String(format: "%.2f", lossy / clean))×)")
        XCTAssertLessThanOrEqual(lossy, 2 * clean, "lossy \(lossy) s, clean \(clean) s")
        assertNoWinnowLeft()
    }
}
