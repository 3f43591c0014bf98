import XCTest
import WinnowCore
import WinnowIO
import WinnowTestKit

final class ClusterCommandTests: XCTestCase {
    /// `winnow cluster` writes k centroids and an assignment per row; the reported final inertia is
    /// the sum of squared distances of the rows to their assigned centroids, recomputed here from the
    /// files; the same seed repeats byte for byte, whatever the block size.
    func testClusterWritesCentroidsAssignmentsAndItsInertia() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "3000", "--dim", "8", "--clusters", "5", "--files", "2", "--out", dir.file("pool")]).status, 0)
        // Plain Lloyd (every iteration on every row): the inertia never rises from pass to pass.
        func cluster(_ out: String, _ extra: [String] = [], fit: String = "0") throws -> CLI.Result {
            try CLI.run(
                ["cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "5", "--iterations", "8", "--fit-rows-per-cluster", fit, "--out", dir.file(out)]
                    + extra)
        }
        let r = try cluster("a", ["--chunk-rows", "512"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let centroids = try NpyFile.open(dir.file("a/centroids.npy"))
        XCTAssertEqual(centroids.header.shape, [5, 8])
        let assignments = try Outputs.int64Column(dir.file("a/assignments.npy"))
        XCTAssertEqual(assignments.count, 3000)
        XCTAssertTrue(assignments.allSatisfy { (0..<5).contains($0) })
        let pool = try Pool.open(paths: [dir.file("pool/pool-000.npy"), dir.file("pool/pool-001.npy")])
        let x = pool.read([0..<3000])
        let c = try Pool.open(paths: [dir.file("a/centroids.npy")]).read([0..<5]).values
        var inertia = 0.0
        for i in 0..<3000 {
            let a = Int(assignments[i])
            for j in 0..<8 { inertia += pow(Double(x.values[i * 8 + j]) - Double(c[a * 8 + j]), 2) }
        }
        let report = try Outputs.report(dir.file("a"))
        XCTAssertEqual((report["final"] as! [String: Any])["inertia"] as! Double, inertia, accuracy: 1e-9 * inertia)
        XCTAssertEqual((report["passes"] as! [Any]).count, 8)
        // Lloyd never raises the inertia from one pass to the next.
        let inertias = (report["passes"] as! [[String: Any]]).map { $0["inertia"] as! Double } + [inertia]
        for (a, b) in zip(inertias, inertias.dropFirst()) { XCTAssertLessThanOrEqual(b, a * (1 + 1e-12)) }
        XCTAssertEqual(try cluster("b", ["--chunk-rows", "512"]).status, 0)
        XCTAssertEqual(Outputs.bytes(dir.file("a/assignments.npy")), Outputs.bytes(dir.file("b/assignments.npy")))
        XCTAssertEqual(Outputs.bytes(dir.file("a/centroids.npy")), Outputs.bytes(dir.file("b/centroids.npy")))
        XCTAssertEqual(try cluster("c").status, 0)
        XCTAssertEqual(Outputs.bytes(dir.file("a/assignments.npy")), Outputs.bytes(dir.file("c/assignments.npy")), "block size")
        // Fit on a sample of 100 rows per cluster (a sixth of the pool): the iterations report the
        // sample's inertia, the last pass every row's: a centroid fit on ~100 rows misses its cluster's
        // mean by about a hundredth of the cluster's variance, so ~1 % more inertia (1.7 % here).
        XCTAssertEqual(try cluster("d", fit: "100").status, 0)
        let sampled = try Outputs.report(dir.file("d"))
        XCTAssertEqual(sampled["fit_rows_per_cluster"] as? Int, 100)
        XCTAssertEqual(Double(sampled["fit_rows"] as! Int), 500, accuracy: 5 * 20.5)
        XCTAssertEqual((sampled["final"] as! [String: Any])["inertia"] as! Double, inertia, accuracy: 0.03 * inertia)
        XCTAssertLessThan((sampled["passes"] as! [[String: Any]])[0]["inertia"] as! Double, inertia / 2, "the first iteration's rows are the sample's")
    }

    /// `--levels 2`: √k first-level clusters on the workers, each split into a share of k by rows, then
    /// each row to the nearest part of its 3 nearest first-level clusters; the same bytes for 0 and 2
    /// workers, k centroids, each row's part split one of those three clusters, and the reported inertia
    /// that of the files, recomputed here.
    func testTwoLevelsSplitEachFirstLevelClusterAndAgreeForAnyWorkerCount() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "20000", "--dim", "8", "--clusters", "40", "--out", dir.file("pool")]).status, 0)
        for workers in [0, 2] {
            let r = try CLI.run([
                "cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "300", "--levels", "2", "--iterations", "6", "--workers", "\(workers)",
                "--out", dir.file("w\(workers)"),
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        for file in ["assignments.npy", "centroids.npy"] {
            XCTAssertEqual(Outputs.bytes(dir.file("w0/" + file)), Outputs.bytes(dir.file("w2/" + file)), file)
        }
        let report = try Outputs.report(dir.file("w0"))
        XCTAssertEqual(report["levels"] as? Int, 2)
        let first = try XCTUnwrap(report["first_level"] as? [String: Any])
        XCTAssertEqual(first["clusters"] as? Int, 17)
        let assignments = try Outputs.int64Column(dir.file("w0/assignments.npy"))
        XCTAssertEqual(Set(assignments), Set(0..<300))
        let x = try Pool.open(paths: [dir.file("pool/pool-000.npy")]).read([0..<20000])
        let c = try Pool.open(paths: [dir.file("w0/centroids.npy")]).read([0..<300])
        XCTAssertEqual(c.rows, 300)
        var inertia = 0.0
        for i in 0..<20000 {
            let a = Int(assignments[i])
            for j in 0..<8 { inertia += pow(Double(x.values[i * 8 + j]) - Double(c.values[a * 8 + j]), 2) }
        }
        XCTAssertEqual((report["final"] as! [String: Any])["inertia"] as! Double, inertia, accuracy: 1e-9 * inertia)
        XCTAssertLessThan(inertia, first["inertia"] as! Double, "splitting lowers the inertia")
        // The first level, from a one-level run of the same k-means: a part split the first-level
        // cluster most of its rows are in, and that cluster is one of its rows' three nearest.
        let r = try CLI.run([
            "cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "17", "--iterations", "6", "--out", dir.file("first"),
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let top = try Outputs.int64Column(dir.file("first/assignments.npy"))
        let topCentroids = try Pool.open(paths: [dir.file("first/centroids.npy")]).read([0..<17])
        var votes = [Int64: [Int64: Int]]()
        for (row, part) in assignments.enumerated() { votes[part, default: [:]][top[row], default: 0] += 1 }
        let parent = votes.mapValues { $0.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key }
        var moved = 0
        for i in 0..<20000 {
            func distance(_ j: Int) -> Double { (0..<8).reduce(0) { $0 + pow(Double(x.values[i * 8 + $1]) - Double(topCentroids.values[j * 8 + $1]), 2) } }
            let nearest = (0..<17).sorted { distance($0) < distance($1) }.prefix(3).map(Int64.init)
            XCTAssertTrue(nearest.contains(parent[assignments[i]]!), "row \(i)")
            if parent[assignments[i]]! != top[i] { moved += 1 }
        }
        XCTAssertLessThan(moved, 2000, "most rows stay in their first-level cluster's parts")
        let bad = try CLI.run(["cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "30", "--levels", "3", "--out", dir.file("bad")])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--levels"), bad.stderr)
    }

    /// Two levels with no iteration over every row: both levels fit on the fit sample, so no pass of
    /// the first level reads the pool (`passes` is empty) and the final assignment reads it once; the
    /// same bytes for 0 and 2 workers; the inertia is the files'; a NaN row is left out (−1) under
    /// `--nonfinite skip` and named under `fail` (65).
    func testTwoLevelsOnTheFitSampleReadThePoolOnce() throws {
        let dir = TemporaryDirectory()
        var random = SeededRandom(seed: 5)
        let n = 20_000, d = 8, bad = 12_345
        let centres = (0..<40 * d).map { _ in Float(random.normal()) * 4 }
        var values = (0..<n * d).map { centres[(($0 / d) % 40) * d + $0 % d] + Float(random.normal()) }
        values[bad * d + 3] = .nan
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: d)), to: dir.file("p0.npy"))
        let flags = ["--k", "300", "--levels", "2", "--full-iterations", "0", "--fit-rows-per-cluster", "16", "--iterations", "6"]
        for workers in [0, 2] {
            let r = try CLI.run(
                ["cluster", "--input", dir.file("p0.npy"), "--nonfinite", "skip", "--workers", "\(workers)", "--out", dir.file("w\(workers)")] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        for file in ["assignments.npy", "centroids.npy", "report.json"].dropLast() {
            XCTAssertEqual(Outputs.bytes(dir.file("w0/" + file)), Outputs.bytes(dir.file("w2/" + file)), file)
        }
        let report = try Outputs.report(dir.file("w2"))
        XCTAssertEqual((report["passes"] as? [Any])?.count, 0, "no pass of the first level over the pool")
        let first = try XCTUnwrap(report["first_level"] as? [String: Any])
        XCTAssertEqual(first["clusters"] as? Int, 17)
        XCTAssertEqual(first["rows"] as? Int, report["fit_rows"] as? Int)
        XCTAssertEqual(Double(first["rows"] as! Int), 300 * 16, accuracy: 5 * (300 * 16.0).squareRoot())
        XCTAssertEqual(report["skipped_rows"] as? [Int], [bad])
        let assignments = try Outputs.int64Column(dir.file("w0/assignments.npy"))
        XCTAssertEqual(assignments[bad], -1)
        XCTAssertEqual(Set(assignments.enumerated().filter { $0.offset != bad }.map(\.element)).isSubset(of: Set(0..<300)), true)
        let c = try Pool.open(paths: [dir.file("w0/centroids.npy")]).read([0..<300])
        var inertia = 0.0
        for i in 0..<n where i != bad {
            let a = Int(assignments[i])
            for j in 0..<d { inertia += pow(Double(values[i * d + j]) - Double(c.values[a * d + j]), 2) }
        }
        XCTAssertEqual((report["final"] as! [String: Any])["inertia"] as! Double, inertia, accuracy: 1e-9 * inertia)
        let failed = try CLI.run(["cluster", "--input", dir.file("p0.npy"), "--workers", "0", "--out", dir.file("fail")] + flags)
        XCTAssertEqual(failed.status, 65, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("row \(bad)"), failed.stderr)
    }

    /// Distributed k-means: every Lloyd pass's blocks run on local worker processes and their partial
    /// sums are merged in block order, so 1, 2 or 3 workers write the bytes of the in-process run.
    func testAnyWorkerCountWritesTheSameBytes() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "20000", "--dim", "16", "--clusters", "12", "--files", "3", "--out", dir.file("pool")]).status, 0)
        for workers in [0, 1, 2, 3] {
            let r = try CLI.run([
                "cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "12", "--iterations", "6", "--chunk-rows", "1500",
                "--workers", "\(workers)", "--out", dir.file("w\(workers)"),
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            let report = try Outputs.report(dir.file("w\(workers)"))
            XCTAssertEqual(report["workers"] as? Int, workers)
            if workers > 0 {
                XCTAssertEqual(Outputs.bytes(dir.file("w\(workers)/centroids.npy")), Outputs.bytes(dir.file("w0/centroids.npy")), "\(workers) workers")
                XCTAssertEqual(Outputs.bytes(dir.file("w\(workers)/assignments.npy")), Outputs.bytes(dir.file("w0/assignments.npy")), "\(workers) workers")
                XCTAssertEqual(
                    (report["passes"] as! [[String: Any]]).map { $0["inertia"] as! Double },
                    (try Outputs.report(dir.file("w0"))["passes"] as! [[String: Any]]).map { $0["inertia"] as! Double })
                // Five iterations of one block (a sample of 12 × 64 rows: 4 % of the pool), then the
                // last iteration and the last pass over every row (14 blocks each), shared by the
                // workers (a backup copy may add one).
                let tallies = try XCTUnwrap((report["cluster"] as? [String: Any])?["workers"] as? [[String: Any]])
                XCTAssertEqual(tallies.count, workers)
                XCTAssertGreaterThanOrEqual(tallies.map { $0["chunk_tasks"] as! Int }.reduce(0, +), 33)
            } else {
                XCTAssertNil(report["cluster"] as? [String: Any])
            }
        }
    }

    /// `cluster --serve` and `dedup --serve`: the passes (and dedup's within-cluster pass, the next run
    /// at the same endpoint) go to `winnow worker` processes that join over TCP; the outputs are the
    /// single-process run's and every worker exits 0. Local and served workers do not mix (64).
    func testServedToWorkersThatJoinWritesTheSameBytes() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "40000", "--dim", "16", "--clusters", "12", "--out", dir.file("pool")]).status, 0)
        let said = { (file: String) in (try? String(contentsOfFile: dir.file(file), encoding: .utf8)) ?? "" }
        let commands: [(String, [String], [String])] = [
            ("cluster", ["--k", "40", "--iterations", "6", "--chunk-rows", "4096"], ["centroids.npy", "assignments.npy"]),
            ("dedup", ["--threshold", "0.98", "--clusters", "20", "--iterations", "4"], ["kept.npy", "dropped.csv"]),
        ]
        for (command, flags, outputs) in commands {
            let base = [command, "--input", dir.file("pool/pool-*.npy")] + flags
            XCTAssertEqual(try CLI.run(base + ["--workers", "0", "--out", dir.file("\(command)-ref")]).status, 0)
            let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
            // Workers first (they call until a coordinator answers): a run this short could otherwise be
            // over before the second one joins, which would then wait for a coordinator that is gone.
            let workers = try (0..<2).map { i in
                try CLI.start(["worker", "--connect", endpoint, "--name", "w\(i)"], log: dir.file("\(command)-w\(i).log"))
            }
            let coordinator = try CLI.start(
                base + ["--serve", endpoint, "--expect-workers", "2", "--out", dir.file("\(command)-out")],
                log: dir.file("\(command).log"))
            XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, said("\(command).log"))
            var sentOn = 0
            for (i, w) in workers.enumerated() {
                XCTAssertEqual(CLI.wait(w, seconds: 20), 0, said("\(command)-w\(i).log"))
                sentOn += said("\(command)-w\(i).log").contains("another follows") ? 1 : 0
            }
            // dedup's k-means sends the workers it had on to the within-cluster pass; cluster has no next run.
            XCTAssertEqual(sentOn > 0, command == "dedup", said("\(command)-w0.log") + said("\(command)-w1.log"))
            for file in outputs {
                XCTAssertEqual(Outputs.bytes(dir.file("\(command)-out/" + file)), Outputs.bytes(dir.file("\(command)-ref/" + file)), "\(command) \(file)")
            }
            let report = try Outputs.report(dir.file("\(command)-out"))
            let clustering = command == "dedup" ? try XCTUnwrap(report["clustering"] as? [String: Any]) : report
            XCTAssertGreaterThanOrEqual(clustering["workers"] as? Int ?? 0, 1, "\(command): \(clustering)")
            let mixed = try CLI.run(base + ["--serve", endpoint, "--workers", "2", "--out", dir.file("mixed")])
            XCTAssertEqual(mixed.status, 64, mixed.stderr)
            XCTAssertTrue(mixed.stderr.contains("--serve"), mixed.stderr)
        }
    }

    /// SIGTERM during k-means++ seeding (5 s here at k = 6,000): the run stops within a second with 75
    /// (Slurm's requeue code), not after seeding; nothing was written but the folder's journal.
    func testTerminatedWhileSeedingStopsAtOnce() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "120000", "--dim", "64", "--clusters", "100", "--out", dir.file("pool")]).status, 0)
        let run = try CLI.start(
            ["cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "6000", "--iterations", "1", "--workers", "2", "--out", dir.file("out")],
            log: dir.file("run.log"))
        Thread.sleep(forTimeInterval: 1.5)
        kill(run.processIdentifier, SIGTERM)
        let signalled = Date()
        XCTAssertEqual(CLI.wait(run, seconds: 60), 75)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 2, "the stop waited")
        let log = (try? String(contentsOfFile: dir.file("run.log"), encoding: .utf8)) ?? ""
        XCTAssertFalse(log.contains("seeded 6000 centroids"), "the signal came after seeding: make the seeding longer\n\(log)")
        XCTAssertTrue(log.contains("SIGTERM"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/centroids.npy")))
    }

    /// SIGTERM (Slurm's preemption) mid-k-means: exit 75, the journal of accepted pass results stays in
    /// --out, and the same command again replays it and finishes with the bytes of an uninterrupted run.
    func testTerminatedClusterRunResumesFromItsJournal() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "300000", "--dim", "64", "--clusters", "32", "--out", dir.file("pool")]).status, 0)
        let flags = ["cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "512", "--iterations", "15"]
        let reference = try CLI.run(flags + ["--workers", "0", "--out", dir.file("ref")])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let command = flags + ["--workers", "2", "--out", dir.file("out")]
        let first = try CLI.start(command, log: dir.file("first.log"))
        let journal = dir.file("out/journal.wnj")
        func journalBytes() -> Int { ((try? FileManager.default.attributesOfItem(atPath: journal))?[.size] as? Int) ?? 0 }
        // Past the first pass (10 blocks of 32,768 rows, ~260 KB of sums each), well before the fifteenth.
        let deadline = Date().addingTimeInterval(60)
        while journalBytes() < 4_000_000 && Date() < deadline && first.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertTrue(first.isRunning, "the k-means ended before SIGTERM; make it longer")
        first.terminate()
        XCTAssertEqual(CLI.wait(first, seconds: 30), 75, (try? String(contentsOfFile: dir.file("first.log"), encoding: .utf8)) ?? "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: journal))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/assignments.npy")))
        let second = try CLI.run(command)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("resuming from the journal"), second.stderr)
        for file in ["centroids.npy", "assignments.npy"] {
            XCTAssertEqual(Outputs.bytes(dir.file("out/" + file)), Outputs.bytes(dir.file("ref/" + file)), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: journal), "a finished run removes its journal")
        let cluster = try XCTUnwrap(try Outputs.report(dir.file("out"))["cluster"] as? [String: Any])
        let counters = try XCTUnwrap(cluster["counters"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(counters["reused_from_journal"] as? Int ?? 0, 10, "\(counters)")
    }

    /// A NaN row fails the run naming file and row, with no output; `--nonfinite skip` leaves it
    /// out (assignment −1); k beyond the rows is a usage error.
    func testBadInputs() throws {
        let dir = TemporaryDirectory()
        var values = NpyFixtures.uniform(rows: 300, dimension: 4, seed: 1).values
        values[4 * 217 + 2] = .nan
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: 4)), to: dir.file("p0.npy"))
        // In this process and on workers (whose failure message comes back over the wire) alike.
        for workers in ["0", "2"] {
            let failed = try CLI.run([
                "cluster", "--input", dir.file("p0.npy"), "--k", "3", "--out", dir.file("out"), "--chunk-rows", "64",
                "--workers", workers,
            ])
            XCTAssertEqual(failed.status, 65, failed.stderr)
            XCTAssertTrue(failed.stderr.contains("p0.npy") && failed.stderr.contains("row 217"), failed.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out")))
            let skipped = try CLI.run([
                "cluster", "--input", dir.file("p0.npy"), "--k", "3", "--out", dir.file("out\(workers)"), "--chunk-rows", "64",
                "--nonfinite", "skip", "--workers", workers,
            ])
            XCTAssertEqual(skipped.status, 0, skipped.stderr)
            let assignments = try Outputs.int64Column(dir.file("out\(workers)/assignments.npy"))
            XCTAssertEqual(assignments[217], -1)
            XCTAssertEqual(assignments.filter { $0 < 0 }.count, 1)
            XCTAssertEqual((try Outputs.report(dir.file("out\(workers)"))["skipped_rows"] as! [Int]), [217])
        }
        XCTAssertEqual(Outputs.bytes(dir.file("out0/centroids.npy")), Outputs.bytes(dir.file("out2/centroids.npy")))
        let tooMany = try CLI.run(["cluster", "--input", dir.file("p0.npy"), "--k", "301", "--out", dir.file("out2")])
        XCTAssertEqual(tooMany.status, 64, tooMany.stderr)
        XCTAssertTrue(tooMany.stderr.contains("--k"), tooMany.stderr)
        // Keys and coordinator settings are for workers that join --serve: without it they would do nothing.
        for (command, flags) in [
            ("cluster", ["--keys", dir.file("keys")]), ("cluster", ["--expect-workers", "3"]),
            ("dedup", ["--insecure"]), ("dedup", ["--heartbeat-ms", "500"]),
        ] {
            let r = try CLI.run(
                [command, "--input", dir.file("p0.npy"), "--out", dir.file("u")] + (command == "cluster" ? ["--k", "3"] : ["--threshold", "0.99"])
                    + flags)
            XCTAssertEqual(r.status, 64, "\(command) \(flags): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--serve"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("u")))
        }
    }
}

final class DedupCommandTests: XCTestCase {
    /// A pool with exact and near copies: `winnow dedup` drops the copies (each names an earlier kept
    /// row it is close to), keeps every other row, and repeats itself byte for byte.
    func testDedupDropsPlantedCopies() throws {
        let dir = TemporaryDirectory()
        var random = SeededRandom(seed: 2)
        let d = 16, originals = 1000
        var values = (0..<originals * d).map { _ in Float(random.normal()) }
        var copyOf: [Int: Int] = [:]
        for c in 0..<200 {
            let j = random.index(below: originals)
            values += (0..<d).map { values[j * d + $0] * (c % 2 == 0 ? 1 : 1.01) + Float(random.normal()) * 0.001 }
            copyOf[originals + c] = j
        }
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: d)), to: dir.file("p0.npy"))
        func dedup(_ out: String) throws -> CLI.Result {
            try CLI.run(["dedup", "--input", dir.file("p0.npy"), "--threshold", "0.99", "--clusters", "8", "--out", dir.file(out)])
        }
        let r = try dedup("a")
        XCTAssertEqual(r.status, 0, r.stderr)
        let kept = try Outputs.int64Column(dir.file("a/kept.npy"))
        XCTAssertEqual(kept, (0..<Int64(originals)).map { $0 }, "exactly the originals are kept")
        let lines = String(decoding: Outputs.bytes(dir.file("a/dropped.csv")), as: UTF8.self).split(separator: "\n").dropFirst()
        XCTAssertEqual(lines.count, 200)
        for line in lines {
            let f = line.split(separator: ",")
            let row = Int(f[0])!, nearest = Int(f[1])!
            XCTAssertLessThan(nearest, row)
            XCTAssertGreaterThan(Float(f[2])!, 0.99)
            if let original = copyOf[row], nearest != original {
                XCTFail("row \(row) is a copy of \(original), reported near \(nearest)")
            }
        }
        let report = try Outputs.report(dir.file("a"))
        XCTAssertEqual(report["kept"] as? Int, 1000)
        XCTAssertEqual(report["dropped"] as? Int, 200)
        // Each row's highest cosine to a kept row of its cluster: a dropped row's is the one in
        // dropped.csv; a kept row's is at most the threshold.
        let similarity = try Outputs.float32Column(dir.file("a/max_similarity.npy"))
        XCTAssertEqual(similarity.count, 1200)
        for line in lines {
            let f = line.split(separator: ",")
            XCTAssertEqual(similarity[Int(f[0])!], Float(f[2])!, accuracy: 1e-6)
        }
        XCTAssertTrue(kept.allSatisfy { similarity[Int($0)] <= 0.99 })
        XCTAssertEqual(try dedup("b").status, 0)
        XCTAssertEqual(Outputs.bytes(dir.file("a/dropped.csv")), Outputs.bytes(dir.file("b/dropped.csv")))
        // The clustering on 1 or 3 worker processes, or in this one: the same rows kept and dropped.
        for workers in ["0", "1", "3"] {
            let r = try CLI.run([
                "dedup", "--input", dir.file("p0.npy"), "--threshold", "0.99", "--clusters", "8", "--out", dir.file("w\(workers)"),
                "--workers", workers,
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(Outputs.bytes(dir.file("a/dropped.csv")), Outputs.bytes(dir.file("w\(workers)/dropped.csv")), "\(workers) workers")
            XCTAssertEqual(Outputs.bytes(dir.file("a/kept.npy")), Outputs.bytes(dir.file("w\(workers)/kept.npy")), "\(workers) workers")
            XCTAssertEqual(
                Outputs.bytes(dir.file("a/max_similarity.npy")), Outputs.bytes(dir.file("w\(workers)/max_similarity.npy")), "\(workers) workers")
            // The k-means's journal and the within-cluster pass's both go with a finished run.
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.file("w\(workers)")).filter { $0.hasSuffix(".wnj") }
            XCTAssertEqual(left, [], "\(workers) workers")
        }
        let bad = try CLI.run(["dedup", "--input", dir.file("p0.npy"), "--threshold", "1.5", "--out", dir.file("c")])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--threshold"), bad.stderr)
        // Keep the highest-scored copy: each copy scores above every original, so an original with a
        // copy is dropped for its best copy; 0 and 2 workers alike, and central too.
        let quality = (0..<1200).map { $0 < originals ? Float(0) : Float($0) }
        try Data(NpyWriter.float32Column(quality)).write(to: URL(fileURLWithPath: dir.file("q.npy")))
        for (keep, extra) in [("quality", ["--quality", dir.file("q.npy")]), ("central", [])] {
            for workers in ["0", "2"] {
                let r = try CLI.run(
                    [
                        "dedup", "--input", dir.file("p0.npy"), "--threshold", "0.99", "--clusters", "8", "--keep", keep, "--workers", workers, "--out",
                        dir.file("\(keep)\(workers)"),
                    ] + extra)
                XCTAssertEqual(r.status, 0, r.stderr)
                XCTAssertEqual(try Outputs.report(dir.file("\(keep)\(workers)"))["keep"] as? String, keep)
            }
            XCTAssertEqual(Outputs.bytes(dir.file("\(keep)0/kept.npy")), Outputs.bytes(dir.file("\(keep)2/kept.npy")), keep)
            XCTAssertEqual(Outputs.bytes(dir.file("\(keep)0/dropped.csv")), Outputs.bytes(dir.file("\(keep)2/dropped.csv")), keep)
            XCTAssertEqual(try Outputs.int64Column(dir.file("\(keep)0/kept.npy")).count, 1000, keep)
        }
        let byQuality = Set(try Outputs.int64Column(dir.file("quality0/kept.npy")))
        for (copy, original) in copyOf {
            XCTAssertFalse(byQuality.contains(Int64(original)), "original \(original) of copy \(copy) is dropped for a copy")
        }
        let lastCopy = Dictionary(copyOf.map { ($0.value, $0.key) }, uniquingKeysWith: max)
        for (_, copy) in lastCopy { XCTAssertTrue(byQuality.contains(Int64(copy)), "the highest-scored copy \(copy) is kept") }
        let missing = try CLI.run(["dedup", "--input", dir.file("p0.npy"), "--threshold", "0.99", "--keep", "quality", "--out", dir.file("m")])
        XCTAssertEqual(missing.status, 64, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--quality"), missing.stderr)
    }

    /// Points on a circle, each with a copy a little further round: wherever a cluster border falls
    /// between a point and its copy the within-cluster walk keeps both, and the border check drops the
    /// copy (the later row). With it no kept pair is above the threshold (brute force over every pair),
    /// exactly the originals are kept, and 0 or 2 workers write the same bytes; without it (the default)
    /// a pair is kept.
    func testTheBorderCheckDropsCopiesAcrossClusterBorders() throws {
        let dir = TemporaryDirectory()
        let n = 100, step = 2 * Double.pi / Double(n)
        // A copy at 0.45 of a step: cosine 0.99960 to its original, 0.99940 to the next original.
        let angles = (0..<n).map { Double($0) * step } + (0..<n).map { (Double($0) + 0.45) * step }
        let values = angles.flatMap { [Float(cos($0)), Float(sin($0))] }
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: 2)), to: dir.file("p0.npy"))
        func dedup(_ out: String, _ extra: [String]) throws -> [Int64] {
            let r = try CLI.run(
                ["dedup", "--input", dir.file("p0.npy"), "--threshold", "0.9995", "--clusters", "8", "--out", dir.file(out)] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try Outputs.int64Column(dir.file(out + "/kept.npy"))
        }
        func keptPairs(_ kept: [Int64]) -> Int {
            var count = 0
            for (a, i) in kept.enumerated() {
                for j in kept[(a + 1)...] where cos(angles[Int(i)] - angles[Int(j)]) > 0.9995 { count += 1 }
            }
            return count
        }
        let without = try dedup("without", ["--no-border-check"])
        XCTAssertGreaterThan(keptPairs(without), 0, "a border separates some point from its copy")
        XCTAssertEqual(try dedup("default", []), (0..<Int64(n)).map { $0 }, "the check is on by default")
        let with = try dedup("with", ["--border-check", "--workers", "0"])
        XCTAssertEqual(with, (0..<Int64(n)).map { $0 })
        XCTAssertEqual(keptPairs(with), 0)
        let border = try XCTUnwrap(try Outputs.report(dir.file("with"))["border"] as? [String: Any])
        XCTAssertEqual(border["dropped"] as? Int, keptPairs(without))
        XCTAssertNil(try Outputs.report(dir.file("without"))["border"] as? [String: Any])
        _ = try dedup("two", ["--border-check", "--workers", "2"])
        for file in ["kept.npy", "dropped.csv", "max_similarity.npy"] {
            XCTAssertEqual(Outputs.bytes(dir.file("with/" + file)), Outputs.bytes(dir.file("two/" + file)), file)
        }
        // Every copy is in dropped.csv, for its own original, with their cosine.
        let lines = String(decoding: Outputs.bytes(dir.file("with/dropped.csv")), as: UTF8.self).split(separator: "\n").dropFirst()
        XCTAssertEqual(lines.map { Int($0.split(separator: ",")[0])! }, Array(n..<2 * n))
        XCTAssertEqual(lines.map { Int($0.split(separator: ",")[1])! }, Array(0..<n))
        let similarity = try Outputs.float32Column(dir.file("with/max_similarity.npy"))
        for line in lines {
            let f = line.split(separator: ",")
            XCTAssertEqual(similarity[Int(f[0])!], Float(f[2])!, accuracy: 1e-6)
        }
        // Keeping the highest score keeps the copies instead: the order settles the border too.
        try Data(NpyWriter.float32Column((0..<2 * n).map { Float($0) })).write(to: URL(fileURLWithPath: dir.file("q.npy")))
        XCTAssertEqual(try dedup("quality", ["--border-check", "--keep", "quality", "--quality", dir.file("q.npy")]), (Int64(n)..<Int64(2 * n)).map { $0 })
    }

    /// With no limit on its budget the border check compares every border a near-duplicate can cross:
    /// on a pool of groups of near-duplicates at cosines around the threshold, spread over many
    /// clusters, no two kept rows are above the threshold (brute force over every pair), every dropped
    /// row names a kept row above it (also the rows the walk dropped for a row the check dropped), and
    /// the report calls it exact; with one and two levels, 0 and 2 workers the same bytes. A small budget leaves reaches out and pairs kept, and says so.
    func testTheBorderCheckWithoutALimitLeavesNoPairAboveTheThreshold() throws {
        let dir = TemporaryDirectory()
        var random = SeededRandom(seed: 21)
        let d = 8, groups = 300
        var values: [Float] = []
        for _ in 0..<groups {
            let centre = (0..<d).map { _ in Float(random.normal()) }
            for _ in 0..<4 { values += centre.map { $0 + Float(random.normal()) * 0.12 } }
        }
        let n = values.count / d
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: d)), to: dir.file("p0.npy"))
        let unit = VectorBlock(values: values, dimension: d).normalized()
        func cosine(_ i: Int64, _ j: Int64) -> Double { zip(unit.row(Int(i)), unit.row(Int(j))).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        let threshold = 0.98
        func dedup(_ out: String, _ extra: [String]) throws -> (kept: [Int64], border: [String: Any]) {
            let r = try CLI.run(
                ["dedup", "--input", dir.file("p0.npy"), "--threshold", "\(threshold)", "--clusters", "40", "--border-check", "--out", dir.file(out)]
                    + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return (try Outputs.int64Column(dir.file(out + "/kept.npy")), try XCTUnwrap(try Outputs.report(dir.file(out))["border"] as? [String: Any]))
        }
        func keptPairs(_ kept: [Int64]) -> Int {
            var count = 0
            for (a, i) in kept.enumerated() {
                for j in kept[(a + 1)...] where cosine(i, j) > threshold + 1e-6 { count += 1 }
            }
            return count
        }
        var pairsAbove = 0
        for i in 0..<Int64(n) { for j in (i + 1)..<Int64(n) where cosine(i, j) > threshold { pairsAbove += 1 } }
        XCTAssertGreaterThan(pairsAbove, 200)
        for levels in ["1", "2"] {
            let exact = try dedup("exact\(levels)", ["--border-budget", "inf", "--border-first-step", "inf", "--levels", levels, "--workers", "0"])
            XCTAssertEqual(exact.border["steps"] as? Int, 1)
            XCTAssertNil(exact.border["first_step_comparisons"] as? Double)
            XCTAssertEqual(keptPairs(exact.kept), 0, "levels \(levels)")
            XCTAssertEqual(exact.border["exact"] as? Bool, true)
            XCTAssertEqual(exact.border["reaches_left"] as? Int, 0)
            XCTAssertNil(exact.border["checked_within"] as? Double)
            XCTAssertGreaterThan(exact.border["compared_again"] as? Int ?? 0, 0, "rows the walk dropped for a row the check dropped")
            let clustering = try XCTUnwrap(try Outputs.report(dir.file("exact\(levels)"))["clustering"] as? [String: Any])
            XCTAssertEqual(clustering["levels"] as? Int, Int(levels))
            let lines = String(decoding: Outputs.bytes(dir.file("exact\(levels)/dropped.csv")), as: UTF8.self).split(separator: "\n").dropFirst()
            XCTAssertEqual(lines.count, n - exact.kept.count)
            let kept = Set(exact.kept)
            for line in lines {
                let f = line.split(separator: ",")
                let row = Int64(f[0])!, partner = Int64(f[1])!
                XCTAssertTrue(kept.contains(partner), "row \(row) dropped for \(partner), itself dropped")
                XCTAssertGreaterThan(cosine(row, partner), threshold - 1e-6)
            }
            _ = try dedup("two\(levels)", ["--border-budget", "inf", "--border-first-step", "inf", "--levels", levels, "--workers", "2"])
            for file in ["kept.npy", "dropped.csv", "max_similarity.npy"] {
                XCTAssertEqual(Outputs.bytes(dir.file("exact\(levels)/" + file)), Outputs.bytes(dir.file("two\(levels)/" + file)), file)
            }
        }
        let without = try CLI.run(
            ["dedup", "--input", dir.file("p0.npy"), "--threshold", "\(threshold)", "--clusters", "40", "--no-border-check", "--out", dir.file("none")])
        XCTAssertEqual(without.status, 0, without.stderr)
        XCTAssertGreaterThan(keptPairs(try Outputs.int64Column(dir.file("none/kept.npy"))), 0, "borders separate some pairs")
        let small = try dedup("small", ["--border-budget", "0.02"])
        XCTAssertEqual(small.border["exact"] as? Bool, false)
        XCTAssertGreaterThan(small.border["reaches_left"] as? Int ?? 0, 0)
        XCTAssertLessThanOrEqual(small.border["comparisons"] as! Double, small.border["budget_comparisons"] as! Double)
        XCTAssertNotNil(small.border["checked_within"] as? Double)
        // In small steps the check goes on while they find pairs; where no pair is above the threshold
        // it ends after its first step, and with one step it compares every reach there is.
        let stepped = try dedup("stepped", ["--border-budget", "inf", "--border-first-step", "0.05"])
        XCTAssertGreaterThan(stepped.border["steps"] as? Int ?? 0, 1)
        XCTAssertGreaterThan(stepped.border["pairs"] as? Int ?? 0, 0)
        let none = try dedup("nothing", ["--border-budget", "inf", "--border-first-step", "1e-9", "--threshold", "0.9999"])
        XCTAssertEqual(none.border["steps"] as? Int, 1)
        XCTAssertEqual(none.border["pairs"] as? Int, 0)
        XCTAssertGreaterThan(none.border["reaches_left"] as? Int ?? 0, 0)
        XCTAssertEqual(none.border["exact"] as? Bool, false)
        let all = try dedup("everything", ["--border-budget", "inf", "--border-first-step", "inf", "--threshold", "0.9999"])
        XCTAssertEqual(all.border["reaches_left"] as? Int, 0)
        XCTAssertEqual(
            all.border["reaches"] as? Int, (none.border["reaches"] as? Int ?? 0) + (none.border["reaches_left"] as? Int ?? 0))
        for (flag, value) in [("--border-budget", "0"), ("--border-first-step", "0"), ("--border-first-step", "nan")] {
            let bad = try CLI.run(["dedup", "--input", dir.file("p0.npy"), "--threshold", "0.9", flag, value, "--out", dir.file("bad")])
            XCTAssertEqual(bad.status, 64, bad.stderr)
            XCTAssertTrue(bad.stderr.contains(flag), bad.stderr)
        }
    }

    /// `dedup` runs its k-means in two levels from 1,000 clusters, both fitted on the sample, and still
    /// drops planted copies (each a hair from its original); the same bytes for 0 and 2 workers.
    func testDedupOfManyClustersRunsInTwoLevels() throws {
        let dir = TemporaryDirectory()
        var random = SeededRandom(seed: 3)
        let d = 16, originals = 8_000, copies = 300
        var values = (0..<originals * d).map { _ in Float(random.normal()) }
        for _ in 0..<copies {
            let j = random.index(below: originals)
            values += (0..<d).map { values[j * d + $0] + Float(random.normal()) * 0.001 }
        }
        NpyFixtures.write(NpyFixtures.pool(VectorBlock(values: values, dimension: d)), to: dir.file("p0.npy"))
        for (clusters, levels) in [(1_000, 2), (999, 1)] {
            for workers in [0, 2] {
                let r = try CLI.run([
                    "dedup", "--input", dir.file("p0.npy"), "--threshold", "0.99", "--clusters", "\(clusters)", "--fit-rows-per-cluster", "4",
                    "--workers", "\(workers)", "--out", dir.file("c\(clusters)w\(workers)"),
                ])
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            for file in ["kept.npy", "dropped.csv", "max_similarity.npy"] {
                XCTAssertEqual(Outputs.bytes(dir.file("c\(clusters)w0/" + file)), Outputs.bytes(dir.file("c\(clusters)w2/" + file)), file)
            }
            let clustering = try XCTUnwrap(try Outputs.report(dir.file("c\(clusters)w0"))["clustering"] as? [String: Any])
            XCTAssertEqual(clustering["levels"] as? Int, levels)
            XCTAssertEqual(clustering["full_iterations"] as? Int, levels == 2 ? 0 : 1)
            let kept = try Outputs.int64Column(dir.file("c\(clusters)w0/kept.npy"))
            XCTAssertGreaterThanOrEqual(originals + copies - kept.count, copies - 3, "\(clusters) clusters: copies dropped")
            XCTAssertLessThanOrEqual(originals + copies - kept.count, copies, "\(clusters) clusters: only copies dropped")
        }
    }

    /// Lloyd stops once a pass moves no centroid: the run of 200 iterations ends early, and its
    /// centroids and assignments are those of a run asked for exactly the iterations it made.
    func testIterationsStopWhenNoCentroidMoves() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["generate", "--rows", "20000", "--dim", "16", "--clusters", "30", "--seed", "3", "--out", dir.file("pool")]).status, 0)
        func cluster(_ out: String, iterations: Int) throws -> [String: Any] {
            let r = try CLI.run(
                ["cluster", "--input", dir.file("pool/pool-*.npy"), "--k", "30", "--iterations", "\(iterations)", "--workers", "0", "--out", dir.file(out)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try Outputs.report(dir.file(out))
        }
        let long = try cluster("long", iterations: 200)
        let ran = (long["passes"] as! [Any]).count
        XCTAssertLessThan(ran, 200)
        _ = try cluster("exact", iterations: ran)
        XCTAssertEqual((try Outputs.report(dir.file("exact"))["passes"] as! [Any]).count, ran)
        XCTAssertEqual(Outputs.bytes(dir.file("long/centroids.npy")), Outputs.bytes(dir.file("exact/centroids.npy")))
        XCTAssertEqual(Outputs.bytes(dir.file("long/assignments.npy")), Outputs.bytes(dir.file("exact/assignments.npy")))
    }
}
