import XCTest
import WinnowCore
import WinnowIO
import WinnowTestKit

final class SelectCommandTests: XCTestCase {
    func makePool(_ dir: TemporaryDirectory) throws {
        let r = try CLI.run(["generate", "--rows", "6000", "--dim", "16", "--clusters", "12", "--files", "3", "--dtype", "float16", "--out", dir.file("pool")])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func select(_ dir: TemporaryDirectory, _ out: String, _ extra: [String]) throws -> CLI.Result {
        try CLI.run(["select", "--input", dir.file("pool/pool-*.npy"), "--budget", "40", "--chunk-rows", "512", "--out", dir.file(out)] + extra)
    }

    /// Same seed ⇒ byte-identical selection.npy; another seed ⇒ a different one.
    func testDeterministicForASeed() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        for extra in [[String](), ["--objective", "k-center"], ["--optimizer", "stochastic"]] {
            let a = try select(dir, "a", extra + ["--seed", "7"])
            let b = try select(dir, "b", extra + ["--seed", "7"])
            let c = try select(dir, "c", extra + ["--seed", "8"])
            XCTAssertEqual([a.status, b.status, c.status], [0, 0, 0], a.stderr)
            XCTAssertEqual(Outputs.bytes(dir.file("a/selection.npy")), Outputs.bytes(dir.file("b/selection.npy")), "\(extra)")
            XCTAssertNotEqual(Outputs.bytes(dir.file("a/selection.npy")), Outputs.bytes(dir.file("c/selection.npy")), "\(extra)")
        }
    }

    /// The default is one worker per CPU the process may use: under `taskset -c 0` one, whatever the
    /// machine has; under Slurm's `SLURM_CPUS_PER_TASK=1` one too.
    func testDefaultWorkersFollowTheCPUsTheProcessMayUse() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { throw XCTSkip("taskset (util-linux) is not installed; not run") }
        let dir = TemporaryDirectory()
        try makePool(dir)
        for (name, prefix) in [("affinity", "taskset -c 0"), ("slurm", "SLURM_CPUS_PER_TASK=1")] {
            let r = CLI.shell("\(prefix) '\(CLI.binary)' select --input '\(dir.file("pool/pool-*.npy"))' --budget 20 --no-eval --out '\(dir.file(name))'")
            XCTAssertEqual(r.status, 0, r.output)
            let workers = try XCTUnwrap((try Outputs.report(dir.file(name))["cluster"] as? [String: Any])?["workers"] as? [[String: Any]])
            XCTAssertEqual(workers.count, 1, "\(prefix): \(r.output)")
        }
    }

    /// Holding the similarity block whole or computing it a batch at a time changes the cost, not the
    /// picks; a negative limit is a usage error that names the option.
    func testDenseLimitChangesCostNotSelection() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        XCTAssertEqual(try select(dir, "held", ["--exact"]).status, 0)
        XCTAssertEqual(try select(dir, "batched", ["--exact", "--dense-limit-mib", "0"]).status, 0)
        XCTAssertEqual(Outputs.bytes(dir.file("held/selection.npy")), Outputs.bytes(dir.file("batched/selection.npy")))
        let bad = try select(dir, "bad", ["--dense-limit-mib", "-1"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--dense-limit-mib"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("bad")))
    }

    /// `--neighbors K`: sparse facility location on 1,024-row chunks picks the same bytes in this
    /// process and with two workers, differs from the dense default, says so in report.json, and is
    /// refused (64, naming the option) with an objective it is not a form of.
    func testNeighborsAreDeterministicAndReported() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let sparse = ["--neighbors", "8", "--chunk-rows", "1024"]
        let inProcess = try select(dir, "s0", sparse + ["--workers", "0"])
        let distributed = try select(dir, "s2", sparse + ["--workers", "2"])
        let dense = try select(dir, "d0", ["--chunk-rows", "1024", "--workers", "0"])
        XCTAssertEqual([inProcess.status, distributed.status, dense.status], [0, 0, 0], inProcess.stderr + distributed.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("s0/selection.npy")), Outputs.bytes(dir.file("s2/selection.npy")))
        XCTAssertNotEqual(Outputs.bytes(dir.file("s0/selection.npy")), Outputs.bytes(dir.file("d0/selection.npy")))
        XCTAssertEqual(try Outputs.selection(dir.file("s0")).count, 40)
        let configuration = try XCTUnwrap(try Outputs.report(dir.file("s2"))["configuration"] as? [String: Any])
        XCTAssertEqual(configuration["neighbors"] as? Int, 8)
        XCTAssertNil((try Outputs.report(dir.file("d0"))["configuration"] as? [String: Any])?["neighbors"])
        let bad = try select(dir, "bad", ["--neighbors", "8", "--objective", "k-center"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--neighbors"), bad.stderr)
    }

    func testOutputsAreConsistent() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let ids = (0..<6000).map { "doc-\($0)" }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: dir.file("ids.txt"), contents: Data(ids.utf8))
        let r = try select(dir, "out", ["--ids", dir.file("ids.txt")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(dir.contents("out"), ["metrics.prom", "report.json", "selection.csv", "selection.npy"])
        let selection = try Outputs.selection(dir.file("out"))
        XCTAssertEqual(selection.count, 40)
        XCTAssertEqual(Set(selection).count, 40)
        let csv = String(decoding: Outputs.bytes(dir.file("out/selection.csv")), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(csv[0], "rank,row,file,row_in_file,id,gain,weight")
        XCTAssertEqual(csv.count, 41)
        var weights = 0.0
        for (rank, line) in csv.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(Int(cells[0]), rank)
            XCTAssertEqual(Int64(cells[1]), selection[rank])
            // 3 files of 2,000 rows: file and row-in-file follow from the global row.
            let row = Int(cells[1])!
            XCTAssertTrue(cells[2].hasSuffix(String(format: "pool-%03d.npy", row / 2000)))
            XCTAssertEqual(Int(cells[3]), row % 2000)
            XCTAssertEqual(cells[4], "doc-\(row)")
            weights += Double(cells[6])!
        }
        XCTAssertEqual(weights, 6000)
        // Exact: each row counted for the pick of highest cosine (ties: the smaller row), brute force.
        let pool = try Pool.open(paths: InputManifest.expand([dir.file("pool/pool-*.npy")]).paths)
        let vectors = pool.read([0..<6000]).normalized(), picks = vectors.gather(selection.map { Int($0) })
        var counts = [Double](repeating: 0, count: 40)
        for i in 0..<6000 {
            var best = -Float.infinity, owner = -1
            for p in 0..<40 {
                let c = zip(vectors.row(i), picks.row(p)).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                if c > best + 1e-5 || (abs(c - best) <= 1e-5 && selection[p] < selection[owner]) { (best, owner) = (c, p) }
            }
            counts[owner] += 1
        }
        let written = csv.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[6])! }
        XCTAssertLessThanOrEqual(zip(written, counts).map { abs($0 - $1) }.reduce(0, +), 6, "at most a few near-ties fall the other way")
        XCTAssertEqual((try Outputs.report(dir.file("out"))["selection"] as? [String: Any])?["weights"] as? String, "exact")
        // The pipeline's own estimate, named as one: multiples of rows / sample.
        let estimate = try select(dir, "estimate", ["--weights", "estimate"])
        XCTAssertEqual(estimate.status, 0, estimate.stderr)
        let estimated = String(decoding: Outputs.bytes(dir.file("estimate/selection.csv")), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(estimated[0], "rank,row,file,row_in_file,id,gain,weight_estimate")
        XCTAssertEqual(estimated.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[6])! }.reduce(0, +), 6000, accuracy: 1e-3)
        XCTAssertEqual((try Outputs.report(dir.file("estimate"))["selection"] as? [String: Any])?["weights"] as? String, "estimate")
        let report = try Outputs.report(dir.file("out"))
        XCTAssertEqual(report["total_rows"] as? Int, 6000)
        XCTAssertEqual((report["inputs"] as? [Any])?.count, 3)
        let sel = report["selection"] as! [String: Any]
        XCTAssertEqual((sel["sha256"] as? String)?.count, 64)
        let quality = report["quality"] as! [String: Any]
        XCTAssertGreaterThan(quality["objective"] as! Double, quality["random_objective"] as! Double)
        XCTAssertNil(quality["gap_closed"], "no reference, no gap")
    }

    /// The hierarchical selection on a clustered pool stays close to the exact greedy, and with the
    /// exact run's objective as reference the report's gap closed is the formula over its own fields.
    func testHierarchicalCloseToExactAndGapClosedIsReported() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        XCTAssertEqual(try select(dir, "x", ["--exact"]).status, 0)
        let x = try Outputs.report(dir.file("x"))["quality"] as! [String: Any]
        XCTAssertEqual(x["gap_closed"] as? Double, 1, "the exact run is its own reference")
        let exact = x["objective"] as! Double
        for (name, flags) in [("h", [String]()), ("s", ["--merge-sample", "1024"])] {
            let r = try select(dir, name, flags + ["--reference-objective", "\(exact)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("gap closed"), r.stdout)
            let q = try Outputs.report(dir.file(name))["quality"] as! [String: Any]
            let f = q["objective"] as! Double, random = q["random_objective"] as! Double
            XCTAssertEqual(q["random_objective"] as! Double, x["random_objective"] as! Double, "the same random subset on the same rows")
            XCTAssertGreaterThan(f / exact, 0.99, name)
            XCTAssertEqual(q["ratio_to_reference"] as! Double, f / exact, accuracy: 1e-12)
            XCTAssertEqual(q["gap_closed"] as! Double, (f - random) / (exact - random), accuracy: 1e-12)
            XCTAssertGreaterThan(q["gap_closed"] as! Double, 0.5, name)
        }
        // `winnow report` says the same in words; a folder that is no run is refused naming it.
        let said = try CLI.run(["report", dir.file("s")])
        XCTAssertEqual(said.status, 0, said.stderr)
        for part in ["finished run", "selected 40 of 6000 rows", "merge sample 1024", "gap closed", "peak RSS"] {
            XCTAssertTrue(said.stdout.contains(part), "\(part) missing from:\n\(said.stdout)")
        }
        let none = try CLI.run(["report", dir.file("pool")])
        XCTAssertEqual(none.status, 65)
        XCTAssertTrue(none.stderr.contains(dir.file("pool")) && none.stderr.contains("not the --out folder"), none.stderr)
    }

    func testInspectJSON() throws {
        let dir = TemporaryDirectory()
        try makePool(dir)
        let r = try CLI.run(["inspect", "--input", dir.file("pool/pool-*.npy"), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((json["files"] as? [Any])?.count, 3)
        let total = json["total"] as! [String: Any]
        XCTAssertEqual(total["rows"] as? Int, 6000)
        let table = try CLI.run(["inspect", "--input", dir.file("pool/pool-*.npy")])
        XCTAssertTrue(table.stdout.contains("total"))
    }

    /// A glob that matches nothing is a usage error (64, naming the pattern), as for `select`.
    func testInspectWithoutMatchingInputIsAUsageError() throws {
        let dir = TemporaryDirectory()
        let r = try CLI.run(["inspect", "--input", dir.file("nothing-*.npy")])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("nothing-*.npy") && r.stderr.contains("matches no file"), r.stderr)
    }

    func testInspectFindsDuplicatesAcrossFiles() throws {
        let dir = TemporaryDirectory()
        let a = NpyFixtures.uniform(rows: 50, dimension: 3, seed: 1)
        NpyFixtures.write(NpyFixtures.pool(a), to: dir.file("p0.npy"))
        NpyFixtures.write(NpyFixtures.pool(a.gather([4, 9, 9])), to: dir.file("p1.npy"))
        let r = try CLI.run(["inspect", "--input", dir.file("p*.npy"), "--json"])
        let total = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["total"] as! [String: Any]
        XCTAssertEqual((total["statistics"] as! [String: Any])["duplicate_rows"] as? Int, 3)
    }
}
