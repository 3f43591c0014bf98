import Foundation
import XCTest
import WinnowCore
import WinnowIO
import WinnowTestKit

/// Selections that follow k-means clusters: `--objective cluster-balanced` (clusters as labels with
/// per-cluster caps) and `--partition cluster` (chunks cut along clusters). Both run their k-means on
/// the same workers as the selection, and every worker count writes the same bytes.
final class ClusterSelectionTests: XCTestCase {
    func pool(_ dir: TemporaryDirectory) throws -> [String] {
        let r = try CLI.run(["generate", "--rows", "30000", "--dim", "16", "--clusters", "10", "--files", "2", "--out", dir.file("pool")])
        XCTAssertEqual(r.status, 0, r.stderr)
        return ["select", "--input", dir.file("pool/pool-*.npy"), "--chunk-rows", "4096", "--no-eval", "--quiet"]
    }

    /// Each cluster gets at most its cap, the caps are those of the labels `clusters.npy` holds (balanced
    /// by default: every cluster the same share, where its rows allow), and 0, 2 or 3 workers agree.
    func testClusterBalancedKeepsEachClustersCapForAnyWorkerCount() throws {
        let dir = TemporaryDirectory()
        let flags = try pool(dir) + ["--budget", "120", "--objective", "cluster-balanced", "--clusters", "6"]
        var selections: Set<Data> = [], clusterFiles: Set<Data> = []
        for workers in [0, 2, 3] {
            let out = dir.file("b\(workers)")
            let r = try CLI.run(flags + ["--workers", "\(workers)", "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            selections.insert(Outputs.bytes(out + "/selection.npy"))
            clusterFiles.insert(Outputs.bytes(out + "/clusters.npy"))
            let report = try Outputs.report(out)
            let configuration = try XCTUnwrap(report["configuration"] as? [String: Any])
            XCTAssertEqual(configuration["objective"] as? String, "cluster-balanced")
            XCTAssertEqual(configuration["label_budget"] as? String, "balanced")
            XCTAssertEqual((configuration["cluster_balance"] as? [String: Any])?["clusters"] as? Int, 6)
            let caps = try XCTUnwrap(configuration["label_caps"] as? [String: Int])
            XCTAssertEqual(caps.count, 6)
            XCTAssertEqual(caps.values.reduce(0, +), 120)
            let clusters = try Outputs.int64Column(out + "/clusters.npy")
            XCTAssertEqual(clusters.count, 30000)
            var counts: [String: Int] = [:]
            for row in try Outputs.selection(out) { counts[String(clusters[Int(row)]), default: 0] += 1 }
            XCTAssertEqual(counts, caps.filter { $0.value > 0 }, "\(workers) workers")
            // Balanced: a cluster below the even share gives its rows, the rest split what is left.
            let sizes = Dictionary(grouping: clusters, by: { String($0) }).mapValues(\.count)
            for (label, cap) in caps where sizes[label]! >= 20 { XCTAssertGreaterThanOrEqual(cap, 20, "cluster \(label)") }
        }
        XCTAssertEqual(selections.count, 1, "worker counts changed the selection")
        XCTAssertEqual(clusterFiles.count, 1, "worker counts changed the clusters")
        let withLabels = try CLI.run(flags + ["--labels", dir.file("pool/labels.npy"), "--out", dir.file("x")])
        XCTAssertEqual(withLabels.status, 64, withLabels.stderr)
        let stray = try CLI.run(try pool(dir) + ["--budget", "120", "--clusters", "6", "--out", dir.file("y")])
        XCTAssertEqual(stray.status, 64, stray.stderr)
        XCTAssertTrue(stray.stderr.contains("--clusters"), stray.stderr)
    }

    /// `--objective sensitivity`: the k-means on the workers, then the draw; every worker count writes
    /// the same bytes, the weights are importance weights calibrated to the clusters (they sum to the
    /// rows drawn among), `--rows` limits the draw, and the
    /// flags that steer a greedy are refused.
    func testSensitivitySamplingWritesImportanceWeightsForAnyWorkerCount() throws {
        let dir = TemporaryDirectory()
        let flags = try pool(dir) + ["--budget", "150", "--objective", "sensitivity", "--clusters", "10"]
        var selections: Set<Data> = [], tables: Set<Data> = []
        for workers in [0, 2] {
            let out = dir.file("s\(workers)")
            let r = try CLI.run(flags + ["--workers", "\(workers)", "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            selections.insert(Outputs.bytes(out + "/selection.npy"))
            tables.insert(Outputs.bytes(out + "/selection.csv"))
            let picks = try Outputs.selection(out)
            XCTAssertEqual(picks.count, 150)
            XCTAssertEqual(Set(picks).count, 150)
            let lines = String(decoding: Outputs.bytes(out + "/selection.csv"), as: UTF8.self).split(separator: "\n")
            XCTAssertEqual(lines[0], "rank,row,file,row_in_file,id,gain,importance_weight")
            let weights = lines.dropFirst().map { Double($0.split(separator: ",").last!)! }
            XCTAssertTrue(weights.allSatisfy { $0 > 0 })
            XCTAssertEqual(weights.reduce(0, +), 30000, accuracy: 0.01, "calibrated weights stand for every row")
            let report = try Outputs.report(out)
            let configuration = try XCTUnwrap(report["configuration"] as? [String: Any])
            XCTAssertEqual(configuration["objective"] as? String, "sensitivity")
            let sensitivity = try XCTUnwrap(configuration["sensitivity"] as? [String: Any])
            XCTAssertEqual(sensitivity["clusters"] as? Int, 10)
            XCTAssertGreaterThan(try XCTUnwrap(sensitivity["draws"] as? Double), 100)
            XCTAssertEqual((report["selection"] as? [String: Any])?["weights"] as? String, "importance")
        }
        XCTAssertEqual(selections.count, 1, "worker counts changed the selection")
        XCTAssertEqual(tables.count, 1, "worker counts changed the weights")
        try NpyWriter.writeInt64(Array(stride(from: Int64(0), to: 30000, by: 2)), to: dir.file("even.npy"))
        let among = try CLI.run(flags + ["--rows", dir.file("even.npy"), "--out", dir.file("even")])
        XCTAssertEqual(among.status, 0, among.stderr)
        XCTAssertTrue(try Outputs.selection(dir.file("even")).allSatisfy { $0 % 2 == 0 })
        for refused in [["--given", dir.file("even.npy")], ["--exact"], ["--partition", "cluster"]] {
            let r = try CLI.run(flags + refused + ["--out", dir.file("x")])
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(refused[0]), r.stderr)
        }
    }

    /// `--nonfinite skip`: the k-means gives a NaN row cluster −1 and the selection skips it; −1 gets no
    /// cap, so the other clusters' caps still add up to k and the selection is k rows long.
    func testClusterBalancedSkippingNaNRowsStillSelectsK() throws {
        let dir = TemporaryDirectory()
        var values = NpyFixtures.uniform(rows: 3000, dimension: 8, seed: 3).values
        let poisoned = stride(from: 7, to: 3000, by: 75).map { $0 }  // 40 rows: more than an even share of k
        for row in poisoned { values[8 * row + 5] = .nan }
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: 8)), to: dir.file("p0.npy"))
        let flags = [
            "select", "--input", dir.file("p0.npy"), "--chunk-rows", "512", "--no-eval", "--quiet", "--budget", "120",
            "--objective", "cluster-balanced", "--clusters", "6", "--nonfinite", "skip",
        ]
        var selections: Set<Data> = []
        for workers in [0, 2] {
            let out = dir.file("s\(workers)")
            let r = try CLI.run(flags + ["--workers", "\(workers)", "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let selection = try Outputs.selection(out)
            XCTAssertEqual(selection.count, 120, "\(workers) workers")
            XCTAssertTrue(Set(selection).isDisjoint(with: poisoned.map(Int64.init)))
            let clusters = try Outputs.int64Column(out + "/clusters.npy")
            XCTAssertEqual(clusters.indices.filter { clusters[$0] < 0 }, poisoned)
            let configuration = try XCTUnwrap(try Outputs.report(out)["configuration"] as? [String: Any])
            let caps = try XCTUnwrap(configuration["label_caps"] as? [String: Int])
            XCTAssertNil(caps["-1"], "the rows left out got a cap")
            XCTAssertEqual(caps.values.reduce(0, +), 120)
            selections.insert(Outputs.bytes(out + "/selection.npy"))
        }
        XCTAssertEqual(selections.count, 1, "worker counts changed the selection")
    }

    /// SIGTERM during the selection that follows the k-means: exit 75 with both journals kept (the
    /// k-means's whole, the selection's begun); the same command replays the k-means without a worker
    /// task, resumes the selection, writes the uninterrupted run's bytes and removes both journals.
    func testClusterBalancedRunInterruptedAfterItsKMeansResumes() throws {
        let dir = TemporaryDirectory()
        let g = try CLI.run(["generate", "--rows", "200000", "--dim", "32", "--files", "2", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let flags = [
            "select", "--input", dir.file("pool/pool-*.npy"), "--budget", "400", "--chunk-rows", "4096", "--no-eval",
            "--objective", "cluster-balanced",
        ]
        XCTAssertEqual(try CLI.run(flags + ["--workers", "0", "--out", dir.file("ref")]).status, 0)
        let command = flags + ["--workers", "2", "--out", dir.file("out")]
        let first = try CLI.start(command, log: dir.file("first.log"))
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: dir.file("out/" + file)))?[.size] as? Int) ?? 0 }
        let deadline = Date().addingTimeInterval(60)
        while size("journal.wnj") < 2000 && Date() < deadline && first.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(first.isRunning, "the run ended before SIGTERM; make the pool bigger")
        first.terminate()
        XCTAssertEqual(CLI.wait(first, seconds: 30), 75, (try? String(contentsOfFile: dir.file("first.log"), encoding: .utf8)) ?? "")
        XCTAssertGreaterThan(size("clusters.wnj"), 0, "the k-means's journal went with its end")
        XCTAssertGreaterThan(size("journal.wnj"), 0)
        // `winnow report` names both journals and what each holds.
        let said = try CLI.run(["report", dir.file("out")])
        XCTAssertEqual(said.status, 0, said.stderr)
        for part in ["interrupted run", "clusters.wnj", "cluster-balanced", "journal.wnj", "resume"] {
            XCTAssertTrue(said.stdout.contains(part), "\(part) missing from:\n\(said.stdout)")
        }
        let second = try CLI.run(command)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("out/selection.npy")), Outputs.bytes(dir.file("ref/selection.npy")))
        XCTAssertEqual(Outputs.bytes(dir.file("out/clusters.npy")), Outputs.bytes(dir.file("ref/clusters.npy")))
        for journal in ["clusters.wnj", "journal.wnj"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/" + journal)), "\(journal) outlived a finished run")
        }
    }

    /// `winnow coordinator` with workers that join over TCP: the k-means of cluster-balanced and that
    /// of partition cluster run on those workers, which the coordinator then sends on to the next run
    /// (k-means, k-means, selection); the outputs are `select --workers 0`'s and the workers exit 0.
    func testCoordinatorRunsItsKMeansOnTheWorkersThatJoin() throws {
        let dir = TemporaryDirectory()
        let flags = try pool(dir).dropFirst() + ["--budget", "120", "--objective", "cluster-balanced", "--clusters", "6", "--partition", "cluster"]
        let reference = try CLI.run(["select", "--workers", "0", "--out", dir.file("ref")] + flags)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        // Workers first (they call until a coordinator answers), so both are in from the first run on.
        let workers = try (0..<2).map { i in
            try CLI.start(["worker", "--connect", endpoint, "--name", "w\(i)"], log: dir.file("worker\(i).log"))
        }
        let coordinator = try CLI.start(
            ["coordinator", "--bind", endpoint, "--out", dir.file("out")] + flags.filter { $0 != "--quiet" },
            log: dir.file("coordinator.log"))
        let said = { (file: String) in (try? String(contentsOfFile: dir.file(file), encoding: .utf8)) ?? "" }
        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, said("coordinator.log"))
        var sentOn = 0
        for (i, w) in workers.enumerated() {
            XCTAssertEqual(CLI.wait(w, seconds: 20), 0, said("worker\(i).log"))
            sentOn += said("worker\(i).log").components(separatedBy: "another follows").count - 1
        }
        // Each k-means sent on the workers it had (a worker whose Hello came only after a k-means was
        // over joins the next run directly, so not every worker need be in both).
        XCTAssertGreaterThanOrEqual(sentOn, 2, said("worker0.log") + said("worker1.log"))
        for file in ["selection.npy", "clusters.npy"] {
            XCTAssertEqual(Outputs.bytes(dir.file("out/" + file)), Outputs.bytes(dir.file("ref/" + file)), file)
        }
        XCTAssertEqual(said("coordinator.log").components(separatedBy: "coordinator listening").count - 1, 3, said("coordinator.log"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).filter { $0.hasSuffix(".wnj") }
        XCTAssertEqual(left, [])
    }

    /// The command announces its first run (`--expect-config` of the k-means); a worker started with
    /// that hash once the k-means is over meets the selection run (or its close), which takes it for a
    /// worker of the same command: it exits 0, where it used to be refused with 69.
    func testALateWorkerExpectingTheCommandsFirstRunIsNotRefused() throws {
        let dir = TemporaryDirectory()
        let flags = try pool(dir).dropFirst() + ["--budget", "120", "--objective", "cluster-balanced", "--clusters", "6"]
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let first = try CLI.start(["worker", "--connect", endpoint, "--name", "early"], log: dir.file("early.log"))
        let coordinator = try CLI.start(
            ["coordinator", "--bind", endpoint, "--out", dir.file("out")] + flags.filter { $0 != "--quiet" },
            log: dir.file("coordinator.log"))
        let said = { (file: String) in (try? String(contentsOfFile: dir.file(file), encoding: .utf8)) ?? "" }
        // The k-means's announcement, then the selection's socket: the first run is over.
        var announced: String?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let log = said("coordinator.log")
            if log.components(separatedBy: "coordinator listening").count - 1 >= 2,
                let range = log.range(of: "--expect-config ")
            {
                announced = String(log[range.upperBound...].prefix { $0.isHexDigit })
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let hash = try XCTUnwrap(announced, said("coordinator.log"))
        let late = try CLI.run(["worker", "--connect", endpoint, "--name", "late", "--expect-config", hash, "--connect-timeout", "20"])
        XCTAssertEqual(late.status, 0, late.stderr)
        XCTAssertFalse(late.stderr.contains("expects configuration"), late.stderr)
        XCTAssertEqual(CLI.wait(coordinator, seconds: 60), 0, said("coordinator.log"))
        XCTAssertEqual(CLI.wait(first, seconds: 20), 0, said("early.log"))
    }

    /// Chunks cut along clusters: every worker count selects the same rows, the report says so, and the
    /// selection is not the random partition's.
    func testClusterPartitionIsIdenticalForAnyWorkerCount() throws {
        let dir = TemporaryDirectory()
        let flags = try pool(dir) + ["--budget", "150"]
        var selections: Set<Data> = []
        for workers in [0, 1, 3] {
            let out = dir.file("p\(workers)")
            let r = try CLI.run(flags + ["--partition", "cluster", "--workers", "\(workers)", "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try Outputs.selection(out).count, 150)
            selections.insert(Outputs.bytes(out + "/selection.npy"))
            let configuration = try XCTUnwrap(try Outputs.report(out)["configuration"] as? [String: Any])
            XCTAssertEqual(configuration["partition"] as? String, "cluster")
        }
        XCTAssertEqual(selections.count, 1, "worker counts changed the selection")
        XCTAssertEqual(try CLI.run(flags + ["--out", dir.file("random")]).status, 0)
        XCTAssertNotEqual(Outputs.bytes(dir.file("random/selection.npy")), selections.first!)
    }
}
