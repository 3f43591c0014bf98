import Foundation
import WinnowCoordination
import WinnowCore
import WinnowIO
import WinnowNative
import WinnowRuntime
import WinnowTestKit
import WinnowWire
import XCTest

/// Commands that build on each other's outputs without copying the pool: `dedup`'s kept rows as
/// `select --rows`, rows left out with `--exclude`; each checked against a pool copied from the rows.
final class ChainingTests: XCTestCase {
    /// 20,000 × 16 clustered rows; a cosine threshold of 0.97 drops about 4 % of them.
    func makePool(_ dir: TemporaryDirectory) throws -> String {
        let g = try CLI.run(["generate", "--rows", "20000", "--dim", "16", "--clusters", "30", "--seed", "3", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        return dir.file("pool/pool-*.npy")
    }

    /// The pool's `rows`, in order, as a pool file of their own.
    func copy(_ rows: [Int64], of glob: String, to path: String) throws {
        let pool = try Pool.open(paths: InputManifest.expand([glob]).paths)
        NpyFixtures.write(NpyFixtures.pool(pool.read(rows: rows.map { Int($0) })), to: path)
    }

    func writeRows(_ rows: [Int64], to path: String) throws {
        try NpyWriter.writeInt64(rows, to: path)
    }

    func testSelectAmongDedupsKeptRowsIsTheExactSelectionOfACopiedPool() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        let d = try CLI.run(["dedup", "--input", glob, "--threshold", "0.97", "--out", dir.file("dedup")])
        XCTAssertEqual(d.status, 0, d.stderr)
        let kept = try Outputs.int64Column(dir.file("dedup/kept.npy"))
        XCTAssertGreaterThan(20000 - kept.count, 100, "the threshold drops rows")

        let flags = ["--budget", "300", "--exact", "--quiet"]
        let among = try CLI.run(["select", "--input", glob, "--rows", dir.file("dedup/kept.npy"), "--out", dir.file("among")] + flags)
        XCTAssertEqual(among.status, 0, among.stderr)
        XCTAssertTrue(among.stdout.contains("selected 300 of \(kept.count) rows (--rows/--exclude; the pool has 20000)"), among.stdout)
        try copy(kept, of: glob, to: dir.file("copy.npy"))
        let copied = try CLI.run(["select", "--input", dir.file("copy.npy"), "--out", dir.file("copied")] + flags)
        XCTAssertEqual(copied.status, 0, copied.stderr)
        let picks = try Outputs.selection(dir.file("among"))
        XCTAssertEqual(picks, try Outputs.selection(dir.file("copied")).map { kept[Int($0)] })
        XCTAssertTrue(picks.allSatisfy(Set(kept).contains))
        // Measured on the same rows: the kept ones.
        let a = try XCTUnwrap(try Outputs.report(dir.file("among"))["quality"] as? [String: Any])
        let b = try XCTUnwrap(try Outputs.report(dir.file("copied"))["quality"] as? [String: Any])
        XCTAssertEqual(a["objective"] as? Double, b["objective"] as? Double)
        XCTAssertEqual(a["rows"] as? Int, kept.count)
    }

    /// The default pipeline reads the rows where they are (chunks of kept rows only): the same bytes
    /// in one process, with workers, and for a pool copied from them (its rows mapped back).
    func testTheChunkedPipelineAmongRowsMatchesEverywhere() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        // Every third row, less a run of rows in the middle.
        let rows = Array(stride(from: Int64(0), to: 20000, by: 3))
        try writeRows(rows, to: dir.file("rows.npy"))
        try writeRows(Array(6000..<9000), to: dir.file("exclude.npy"))
        let eligible = rows.filter { !(6000..<9000).contains($0) }
        let flags = [
            "--input", glob, "--rows", dir.file("rows.npy"), "--exclude", dir.file("exclude.npy"),
            "--budget", "120", "--chunk-rows", "1024", "--quiet",
        ]
        for workers in [0, 2] {
            let r = try CLI.run(["select", "--workers", "\(workers)", "--out", dir.file("w\(workers)")] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(Outputs.bytes(dir.file("w0/selection.npy")), Outputs.bytes(dir.file("w2/selection.npy")))
        let picks = try Outputs.selection(dir.file("w0"))
        XCTAssertEqual(picks.count, 120)
        XCTAssertTrue(picks.allSatisfy(Set(eligible).contains))
        let report = try Outputs.report(dir.file("w0"))
        XCTAssertEqual((report["plan"] as? [String: Any])?["chunks"] as? Int, (eligible.count + 1023) / 1024)
        XCTAssertEqual((report["configuration"] as? [String: Any])?["eligible_rows"] as? Int, eligible.count)

        try copy(eligible, of: glob, to: dir.file("copy.npy"))
        let copied = try CLI.run(
            ["select", "--workers", "0", "--input", dir.file("copy.npy"), "--budget", "120", "--chunk-rows", "1024", "--quiet", "--out", dir.file("copied")])
        XCTAssertEqual(copied.status, 0, copied.stderr)
        XCTAssertEqual(picks, try Outputs.selection(dir.file("copied")).map { eligible[Int($0)] })
    }

    func testRowsThatAreNotPoolRowsAreRefusedNamingTheEntry() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        try writeRows([5, 20000, 7], to: dir.file("bad.npy"))
        let r = try CLI.run(["select", "--input", glob, "--rows", dir.file("bad.npy"), "--budget", "10", "--out", dir.file("x")])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.npy (row 1): --rows entry 1 is 20000, not a row of the pool (0..<20000)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x")), "nothing is left behind")
        try writeRows(Array(0..<20000), to: dir.file("all.npy"))
        let none = try CLI.run(["select", "--input", glob, "--exclude", dir.file("all.npy"), "--budget", "10", "--out", dir.file("y")])
        XCTAssertEqual(none.status, 65, none.stderr)
        XCTAssertTrue(none.stderr.contains("no pool row is left to select among"), none.stderr)
    }

    /// A journal of a run over other rows is not resumed: the rows are in the run's configuration
    /// hash (the hash of its wire image).
    func testTheRowsAreInTheRunsIdentity() throws {
        let dir = TemporaryDirectory()
        let pool = try Pool.open(paths: InputManifest.expand([try makePool(dir)]).paths)
        let settings = SelectionSettings(budget: 50)
        let every = RunConfig(pool: pool, settings: settings, skipNonfinite: false)
        let some = RunConfig(pool: pool, settings: settings, skipNonfinite: false, eligibleRows: Array(0..<10000))
        let others = RunConfig(pool: pool, settings: settings, skipNonfinite: false, eligibleRows: Array(1..<10001))
        XCTAssertEqual(Set([every.hash, some.hash, others.hash]).count, 3)
    }

    /// Selecting k₁ and then k₂ more from the first selection (`--given`) is selecting k₁ + k₂ at once,
    /// picks, gains and weights: for the exact greedy (facility location's tracked gains, k-center's
    /// traversal) and for the default pipeline on one chunk, in one process and with workers.
    func testGivenRowsContinueTheGreedyBitForBit() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        let runs: [(name: String, flags: [String], workers: [Int])] = [
            ("exact-fl", ["--exact"], [0]),
            ("exact-kc", ["--exact", "--objective", "k-center"], [0]),
            ("chunk", ["--chunk-rows", "20480"], [0, 2]),
        ]
        for run in runs {
            let common = ["select", "--input", glob, "--quiet", "--no-eval"] + run.flags
            let first = try CLI.run(common + ["--workers", "0", "--budget", "100", "--out", dir.file("\(run.name)-first")])
            XCTAssertEqual(first.status, 0, first.stderr)
            let whole = try CLI.run(common + ["--workers", "0", "--budget", "250", "--out", dir.file("\(run.name)-whole")])
            XCTAssertEqual(whole.status, 0, whole.stderr)
            let wholeRows = try Outputs.selection(dir.file("\(run.name)-whole"))
            let wholeLines = try String(contentsOfFile: dir.file("\(run.name)-whole/selection.csv"), encoding: .utf8).split(separator: "\n")
            for workers in run.workers {
                let out = dir.file("\(run.name)-then-\(workers)")
                let then = try CLI.run(
                    common + ["--workers", "\(workers)", "--budget", "150", "--given", dir.file("\(run.name)-first/selection.npy"), "--out", out])
                XCTAssertEqual(then.status, 0, then.stderr)
                XCTAssertEqual(
                    try Outputs.selection(dir.file("\(run.name)-first")) + (try Outputs.selection(out)), wholeRows, "\(run.name), \(workers) workers")
                // Gains and weights too, to the bit: every column but the pick number. Where the kernel sums
                // in an order that depends on the product's shape (the given rows change the shapes), the
                // picks still agree but a gain's last bits may not: checked again under Sandybridge.
                if BLAS.sumsInOneOrder {
                    let lines = try String(contentsOfFile: out + "/selection.csv", encoding: .utf8).split(separator: "\n")
                    XCTAssertEqual(
                        lines.dropFirst().map { $0.split(separator: ",", maxSplits: 1)[1] },
                        wholeLines.dropFirst(101).map { $0.split(separator: ",", maxSplits: 1)[1] }, "\(run.name), \(workers) workers")
                }
                XCTAssertEqual((try Outputs.report(out)["configuration"] as? [String: Any])?["given_rows"] as? Int, 100)
            }
        }
        try XCTSkipUnless(
            BLAS.sumsInOneOrder,
            "\(BLAS.kernel) sums a dot product in an order that depends on the product's shape: the picks were checked, not the gains' bits")
    }

    /// The chunked pipeline starts every chunk's and merge's greedy from the given rows: the same
    /// bytes for any worker count, no given row picked again, and new picks that stay off what was
    /// chosen (a plain run at the same budget picks most of the given rows themselves).
    func testGivenRowsConditionTheChunkedPipeline() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        let common = ["select", "--input", glob, "--chunk-rows", "4096", "--quiet", "--no-eval"]
        XCTAssertEqual(try CLI.run(common + ["--workers", "0", "--budget", "100", "--out", dir.file("first")]).status, 0)
        for workers in [0, 2] {
            let r = try CLI.run(
                common + ["--workers", "\(workers)", "--budget", "150", "--given", dir.file("first/selection.npy"), "--out", dir.file("then\(workers)")])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertEqual(Outputs.bytes(dir.file("then0/selection.npy")), Outputs.bytes(dir.file("then2/selection.npy")))
        XCTAssertEqual(Outputs.bytes(dir.file("then0/selection.csv")), Outputs.bytes(dir.file("then2/selection.csv")))
        let given = Set(try Outputs.selection(dir.file("first")))
        let then = try Outputs.selection(dir.file("then0"))
        XCTAssertEqual(then.count, 150)
        XCTAssertTrue(given.isDisjoint(with: then))
        XCTAssertEqual(try CLI.run(common + ["--workers", "0", "--budget", "150", "--out", dir.file("plain")]).status, 0)
        XCTAssertGreaterThan(given.intersection(try Outputs.selection(dir.file("plain"))).count, 50)
    }

    func testGivenRowsMustBeRowsOfThePoolOnce() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        try writeRows([3, 9, 3], to: dir.file("twice.npy"))
        let twice = try CLI.run(["select", "--input", glob, "--exact", "--budget", "10", "--given", dir.file("twice.npy"), "--out", dir.file("a")])
        XCTAssertEqual(twice.status, 65, twice.stderr)
        XCTAssertTrue(twice.stderr.contains("twice.npy (row 2): --given entry 2 names row 3 a second time"), twice.stderr)
        try writeRows([3, 9], to: dir.file("given.npy"))
        try writeRows(Array(100..<20000), to: dir.file("rows.npy"))
        let outside = try CLI.run(
            ["select", "--input", glob, "--exact", "--budget", "10", "--rows", dir.file("rows.npy"), "--given", dir.file("given.npy"), "--out", dir.file("c")])
        XCTAssertEqual(outside.status, 65, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("--given entry 0 is row 3, which --rows/--exclude leave out"), outside.stderr)
        for name in ["a", "c"] { XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file(name)), "nothing is left behind") }
    }

    /// `--targets`: with targets drawn from one of ten well-separated clusters, every pick lies in
    /// that cluster, for any worker count; with the pool as its own targets, `--exact` is today's.
    func testTargetsPullThePicksTowardsThem() throws {
        let dir = TemporaryDirectory()
        let g = try CLI.run(
            ["generate", "--rows", "20000", "--dim", "16", "--clusters", "10", "--spread", "0.05", "--seed", "4", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let glob = dir.file("pool/pool-*.npy")
        let labels = try Outputs.int64Column(dir.file("pool/labels.npy"))
        let pool = try Pool.open(paths: InputManifest.expand([glob]).paths)
        let inThree = labels.indices.filter { labels[$0] == 3 }
        NpyFixtures.write(NpyFixtures.pool(pool.read(rows: Array(inThree.prefix(50)))), to: dir.file("targets.npy"))
        for workers in [0, 2] {
            let r = try CLI.run(
                [
                    "select", "--input", glob, "--targets", dir.file("targets.npy"), "--budget", "30", "--chunk-rows", "4096", "--workers", "\(workers)",
                    "--quiet", "--out", dir.file("w\(workers)"),
                ])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("quality on 50 target rows"), r.stdout)
        }
        XCTAssertEqual(Outputs.bytes(dir.file("w0/selection.npy")), Outputs.bytes(dir.file("w2/selection.npy")))
        let picks = try Outputs.selection(dir.file("w0"))
        XCTAssertEqual(picks.count, 30)
        XCTAssertEqual(Set(picks.map { labels[Int($0)] }), [3], "\(picks.map { labels[Int($0)] })")

        let flags = ["select", "--input", glob, "--exact", "--budget", "200", "--quiet", "--no-eval"]
        let plain = try CLI.run(flags + ["--out", dir.file("plain")])
        let covered = try CLI.run(flags + ["--targets", dir.file("pool/pool-000.npy"), "--out", dir.file("covered")])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(covered.status, 0, covered.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("plain/selection.npy")), Outputs.bytes(dir.file("covered/selection.npy")))
        XCTAssertEqual(Outputs.bytes(dir.file("plain/selection.csv")), Outputs.bytes(dir.file("covered/selection.csv")))

        let wrong = try CLI.run(flags + ["--targets", dir.file("pool/labels.npy"), "--out", dir.file("wrong")])
        XCTAssertEqual(wrong.status, 65, wrong.stderr)
        let kCenter = try CLI.run(flags + ["--objective", "k-center", "--targets", dir.file("targets.npy"), "--out", dir.file("kc")])
        XCTAssertEqual(kCenter.status, 64, kCenter.stderr)
    }

    /// `--ids` travels into dedup's and cluster's outputs: each dropped row and its kept neighbour by
    /// id, the kept rows' ids, and every row's cluster by id.
    func testIdsAreCarriedIntoDedupAndClusterOutputs() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        let ids = (0..<20000).map { "doc-\($0 * 7)" }
        try (ids.joined(separator: "\n") + "\n").write(toFile: dir.file("ids.txt"), atomically: true, encoding: .utf8)
        let d = try CLI.run(["dedup", "--input", glob, "--threshold", "0.97", "--ids", dir.file("ids.txt"), "--out", dir.file("dedup")])
        XCTAssertEqual(d.status, 0, d.stderr)
        let dropped = try String(contentsOfFile: dir.file("dedup/dropped.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(dropped.first, "row,id,nearest_kept,nearest_kept_id,similarity,cluster")
        XCTAssertGreaterThan(dropped.count, 100)
        for line in dropped.dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            XCTAssertEqual(f[1], ids[Int(f[0])!])
            XCTAssertEqual(f[3], ids[Int(f[2])!])
        }
        let kept = try Outputs.int64Column(dir.file("dedup/kept.npy"))
        let keptIDs = try String(contentsOfFile: dir.file("dedup/kept_ids.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(keptIDs, kept.map { ids[Int($0)] })

        let c = try CLI.run(["cluster", "--input", glob, "--k", "12", "--ids", dir.file("ids.txt"), "--out", dir.file("cluster")])
        XCTAssertEqual(c.status, 0, c.stderr)
        let assignments = try Outputs.int64Column(dir.file("cluster/assignments.npy"))
        let lines = try String(contentsOfFile: dir.file("cluster/assignments.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "row,id,cluster")
        XCTAssertEqual(Array(lines.dropFirst()), assignments.enumerated().map { "\($0.offset),\(ids[$0.offset]),\($0.element)"[...] })

        try "just one\n".write(toFile: dir.file("short.txt"), atomically: true, encoding: .utf8)
        let short = try CLI.run(["cluster", "--input", glob, "--k", "12", "--ids", dir.file("short.txt"), "--out", dir.file("short")])
        XCTAssertEqual(short.status, 65, short.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("short")))
    }

    /// Every command's report.json says who made it in one shape: command, command line, start and end.
    func testEveryReportNamesItsCommandLineAndTimes() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        let runs = [
            ["select", "--input", glob, "--budget", "10", "--no-eval", "--quiet", "--out", dir.file("select")],
            ["cluster", "--input", glob, "--k", "5", "--quiet", "--out", dir.file("cluster")],
            ["dedup", "--input", glob, "--threshold", "0.99", "--quiet", "--out", dir.file("dedup")],
        ]
        for arguments in runs {
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 0, r.stderr)
            let tool = try XCTUnwrap(try Outputs.report(arguments.last!)["tool"] as? [String: Any], arguments[0])
            XCTAssertEqual(tool["name"] as? String, "winnow")
            XCTAssertEqual(tool["command"] as? String, arguments[0])
            XCTAssertEqual(tool["command_line"] as? [String], [CLI.binary] + arguments)
            let started = try XCTUnwrap(tool["started_at"] as? String), ended = try XCTUnwrap(tool["ended_at"] as? String)
            XCTAssertTrue(started.hasSuffix("Z") && started.count == 24, started)
            XCTAssertLessThanOrEqual(started, ended)
            XCTAssertNotNil(tool["blas"] as? String)
        }
    }

    /// Logs a machine can read: text lines quote a value holding spaces as logfmt does, and
    /// `--log-format json` makes every line on stderr — the workers' too — one JSON object.
    func testLogLinesParseAsLogfmtOrJSON() throws {
        let dir = TemporaryDirectory()
        let glob = try makePool(dir)
        let flags = ["select", "--input", glob, "--budget", "10", "--workers", "2", "--no-eval"]
        let text = try CLI.run(flags + ["--out", dir.file("text")])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stderr.contains("reason=\"coordinator: the run is done\" status=0 worker=local-"), text.stderr)
        let json = try CLI.run(flags + ["--log-format", "json", "--quiet", "--out", dir.file("json")])
        XCTAssertEqual(json.status, 0, json.stderr)
        let lines = json.stderr.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 5)
        var messages: [String] = []
        for line in lines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            XCTAssertNotNil(object["time"] as? String)
            XCTAssertNotNil(object["level"] as? String)
            messages.append(try XCTUnwrap(object["msg"] as? String))
        }
        XCTAssertTrue(messages.contains("worker exits"), "\(messages)")
        XCTAssertEqual(Outputs.bytes(dir.file("text/selection.npy")), Outputs.bytes(dir.file("json/selection.npy")))
    }
}
