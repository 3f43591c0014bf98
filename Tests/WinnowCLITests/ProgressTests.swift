import Foundation
import XCTest
import WinnowTestKit

/// What a user watching a run sees: the live line on a terminal, plain lines in a job log,
/// `metrics.prom` read by Prometheus' own parser, and `winnow status` / the Python client asking a
/// live coordinator. Real processes throughout; the terminal is a pseudo-terminal from `script`.
final class ProgressTests: XCTestCase {
    /// Debian's interpreter: Scripts/setup installs python3-zmq, -protobuf and -prometheus-client for it.
    static let python = "/usr/bin/python3"
    static let statusClient = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/status-client.py").path

    /// 200,000 × 32 rows in chunks of 4,096: 49 chunks, a few seconds of work.
    func makePool(_ dir: TemporaryDirectory) throws -> [String] {
        let g = try CLI.run(["generate", "--rows", "200000", "--dim", "32", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        return ["--input", dir.file("pool/pool-*.npy"), "--budget", "200", "--chunk-rows", "4096", "--no-eval"]
    }

    /// The renders of the live line: what follows each "clear the line" escape up to the next one.
    func liveRenders(_ output: String) -> [String] {
        output.components(separatedBy: "\r\u{1B}[2K").dropFirst().map { $0.components(separatedBy: "\r")[0] }
    }

    func testLiveLineUnderATerminalUpdatesAndEndsWithASummary() throws {
        let dir = TemporaryDirectory()
        let flags = try makePool(dir)
        let command = ([CLI.binary, "select", "--workers", "2", "--out", dir.file("out")] + flags).map { "'\($0)'" }.joined(separator: " ")
        // script(1) runs the command on a new pseudo-terminal and copies what it writes; its terminal
        // has no width until stty gives it one (without one the run writes plain lines).
        let r = CLI.shell("script -qfec \"stty cols 200; \(command)\" /dev/null")
        XCTAssertEqual(r.status, 0, r.output)
        let renders = liveRenders(r.output)
        let chunkLines = renders.filter { $0.hasPrefix("chunks") && $0.contains("/49 tasks") && !$0.contains("done in") }
        // The line was redrawn as the run moved: several distinct counts of finished chunks.
        let counts = Set(chunkLines.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
        XCTAssertGreaterThanOrEqual(counts.count, 3, "live chunk lines: \(chunkLines)")
        XCTAssertTrue(
            chunkLines.allSatisfy { $0.contains("rows/s") && $0.contains("ETA") && $0.contains("worker") && $0.contains("retr") },
            "\(chunkLines)")
        // Each phase leaves one finished line behind, and the run ends with its summary.
        XCTAssertTrue(r.output.contains("49/49 tasks · 200.0k rows · "), r.output)
        XCTAssertTrue(r.output.contains("root merge   1/1 tasks"), r.output)
        let summary = try XCTUnwrap(r.output.range(of: ": 57 of 57 tasks over 200.0k rows; 2 workers")).lowerBound
        let lastRender = try XCTUnwrap(r.output.range(of: "\r\u{1B}[2K", options: .backwards)).lowerBound
        XCTAssertGreaterThan(summary, lastRender, "the summary comes after the last live line")
        XCTAssertFalse(r.output.contains("progress: "), "no plain lines on a terminal")
        // Log lines are written above the live line, never glued to its end.
        for line in r.output.components(separatedBy: "\n") where line.contains(" info winnow") {
            XCTAssertFalse(line.contains("retries2026"), line)
        }
    }

    /// A 70-column tmux pane: the live line is cut to the width, so each phase leaves one line on
    /// the screen; a line that wrapped would leave a new one at every redraw.
    func testANarrowTerminalShowsOneLinePerPhase() throws {
        guard CLI.shell("command -v tmux").status == 0 else { throw XCTSkip("tmux is not installed (Scripts/setup installs it)") }
        let dir = TemporaryDirectory()
        let flags = try makePool(dir)
        let command = ([CLI.binary, "select", "--workers", "2", "--out", dir.file("out")] + flags).map { "'\($0)'" }.joined(separator: " ")
        // A socket in the test's folder: nothing of the server is left once the folder goes.
        let tmux = "tmux -S '\(dir.file("tmux.socket"))' -f /dev/null"
        // The tmux server outlives the shell that starts it: it must hold none of the test process's
        // descriptors, or Foundation keeps waiting for that shell to end.
        let closeInherited = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null"#
        let started = CLI.shell("\(closeInherited); \(tmux) new-session -d -x 70 -y 60 \"\(command); echo exit=\\$?; sleep 120\"")
        XCTAssertEqual(started.status, 0, started.output)
        defer {
            _ = CLI.shell("\(tmux) kill-server")
            withExtendedLifetime(dir) {}
        }
        XCTAssertTrue(Polling.until(timeout: 120, interval: 0.5) { CLI.shell("\(tmux) capture-pane -p").output.contains("exit=") })
        let screen = CLI.shell("\(tmux) capture-pane -p -S -500").output
        XCTAssertTrue(screen.contains("exit=0"), screen)
        let lines = screen.components(separatedBy: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("chunks ") }.count, 1, screen)
        XCTAssertEqual(lines.filter { $0.hasPrefix("root merge ") }.count, 1, screen)
        XCTAssertTrue(lines.contains { $0.hasPrefix("chunks       49/49 tasks") && $0.contains("done in") }, screen)
    }

    func testPlainLinesWhenRedirectedAndNoneWhenQuiet() throws {
        let dir = TemporaryDirectory()
        let flags = try makePool(dir)
        let r = try CLI.run(["select", "--workers", "0", "--progress-every", "0.3", "--out", dir.file("plain")] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("progress: chunks") }
        XCTAssertGreaterThanOrEqual(lines.count, 2, r.stderr)
        XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"), "no terminal control off a terminal")
        // The tasks count never goes back, and the run ends with its summary.
        let done = lines.compactMap { Int($0.split(separator: " ")[2].split(separator: "/")[0]) }
        XCTAssertEqual(done, done.sorted(), "\(lines)")
        XCTAssertTrue(r.stderr.contains("done in "), r.stderr)
        XCTAssertTrue(r.stderr.contains("57 of 57 tasks over 200.0k rows"), r.stderr)

        let quiet = try CLI.run(["select", "--workers", "0", "--quiet", "--out", dir.file("quiet")] + flags)
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(quiet.stderr.contains("progress: ") || quiet.stderr.contains("done in "), quiet.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("quiet/selection.npy")), Outputs.bytes(dir.file("plain/selection.npy")))
    }

    /// `--exact` is one task: no task finishes until the end, so its line reads the greedy itself —
    /// the similarity pass, then the picks — and the watching changes nothing in the selection.
    func testAnExactRunShowsItsPassAndPicksWhileItRuns() throws {
        let dir = TemporaryDirectory()
        let g = try CLI.run(["generate", "--rows", "30000", "--dim", "32", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let flags = ["--input", dir.file("pool/pool-*.npy"), "--budget", "400", "--exact", "--no-eval"]
        let r = try CLI.run(["select", "--progress-every", "0.05", "--out", dir.file("plain")] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("progress: chunks       0/1 tasks · 30.0k rows · ") }
        let picks = lines.compactMap { line -> Int? in
            guard let range = line.range(of: "pick ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0 != "/" })
        }
        XCTAssertTrue(lines.contains { $0.contains("similarity pass ") } || picks.contains { $0 > 0 }, r.stderr)
        XCTAssertGreaterThanOrEqual(picks.count, 2, r.stderr)
        XCTAssertEqual(picks, picks.sorted(), "picks never go back: \(lines)")
        XCTAssertTrue(lines.allSatisfy { $0.contains("/400 · ") || $0.contains("similarity pass ") }, "\(lines)")
        XCTAssertTrue(r.stderr.contains("1 of 1 task over 30.0k rows"), r.stderr)

        let quiet = try CLI.run(["select", "--quiet", "--out", dir.file("quiet")] + flags)
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(Outputs.bytes(dir.file("quiet/selection.npy")), Outputs.bytes(dir.file("plain/selection.npy")))
    }

    /// `metrics.prom` parsed by prometheus-client's text-format parser; returns "name{labels}" → value
    /// (labels sorted, run_id left out; NaN samples left out).
    func parseMetrics(_ path: String) throws -> [String: Double] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()) if k != "run_id")
                    if s.value == s.value:  # NaN (an ETA not known yet) has no JSON form
                        out[f"{s.name}{{{labels}}}"] = s.value
            print(json.dumps(out))
            """
        let file = path + ".parse.py"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        let r = CLI.shell("\(Self.python) '\(file)' '\(path)'")
        XCTAssertEqual(r.status, 0, "prometheus-client could not parse \(path) (Scripts/setup installs python3-prometheus-client): \(r.output)")
        let object = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Double]
        return try XCTUnwrap(object, r.output)
    }

    func testMetricsParseWithPrometheusParser() throws {
        let dir = TemporaryDirectory()
        let flags = try makePool(dir)
        let r = try CLI.run(["select", "--workers", "2", "--out", dir.file("out")] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = try parseMetrics(dir.file("out/metrics.prom"))
        XCTAssertEqual(m["winnow_finished{}"], 1)
        XCTAssertEqual(m["winnow_tasks{state=done}"], 57)
        XCTAssertEqual(m["winnow_tasks{state=pending}"], 0)
        XCTAssertEqual(m["winnow_rows{}"], 200_000)
        // Counters are exposed with their _total suffix as the parser reads them.
        XCTAssertEqual(m["winnow_rows_processed_total{}"], 200_000)
        XCTAssertEqual(m["winnow_retries_total{}"], 0)
        XCTAssertEqual(m["winnow_invalid_messages_total{}"], 0)
        let chunkTasks = (0..<2).compactMap { m["winnow_worker_tasks_total{kind=chunk,worker=local-\($0)}"] }
        XCTAssertEqual(chunkTasks.reduce(0, +), 49, "\(m)")
        for w in 0..<2 { XCTAssertGreaterThan(m["winnow_worker_busy_seconds_total{worker=local-\(w)}"] ?? 0, 0, "\(m)") }
    }

    /// A coordinator with no worker yet, then with a slowed worker: `winnow status` and the Python
    /// client both read its state over the wire; `metrics.prom` is refreshed while it runs.
    func testStatusFromWinnowAndThePythonClientAgainstALiveCoordinator() throws {
        let dir = TemporaryDirectory()
        let flags = try makePool(dir)
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinator = try CLI.start(
            ["coordinator", "--bind", endpoint, "--out", dir.file("out")] + flags,
            log: dir.file("coordinator.log"))
        defer { _ = CLI.wait(coordinator, seconds: 0) }

        func winnowStatus() throws -> [String: Any] {
            let r = try CLI.run(["status", "--connect", endpoint, "--json", "--timeout", "10"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any], r.stdout)
        }
        func pythonStatus() throws -> [String: Any] {
            let r = CLI.shell("\(Self.python) \(Self.statusClient) --connect \(endpoint) --json --timeout 10")
            XCTAssertEqual(r.status, 0, r.output)
            return try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(r.output.utf8))) as? [String: Any], r.output)
        }

        let before = try winnowStatus()
        XCTAssertEqual(before["state"] as? String, "running")
        XCTAssertEqual(before["workers_alive"] as? Int, 0)
        XCTAssertEqual(before["tasks_total"] as? Int, 57)
        XCTAssertEqual(before["tasks_done"] as? Int, 0)
        let runID = try XCTUnwrap(before["run_id"] as? String)
        let fromPython = try pythonStatus()
        XCTAssertEqual(fromPython["run_id"] as? String, runID)
        XCTAssertEqual(fromPython["phase"] as? String, "chunks")
        // protobuf's JSON writes 64-bit integers as strings.
        XCTAssertEqual(fromPython["tasks_total"] as? String, "57")
        XCTAssertEqual(fromPython["workers_alive"] as? Int, 0)

        let worker = try CLI.start(["worker", "--connect", endpoint, "--name", "slow-one", "--throttle", "4"], log: dir.file("worker.log"))
        defer { _ = CLI.wait(worker, seconds: 0) }
        // Wait until the worker has finished a few chunks.
        let deadline = Date().addingTimeInterval(60)
        var during = try winnowStatus()
        while (during["tasks_done"] as? Int ?? 0) < 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            during = try winnowStatus()
        }
        XCTAssertEqual(during["state"] as? String, "running")
        XCTAssertEqual(during["workers_alive"] as? Int, 1)
        let workers = try XCTUnwrap(during["workers"] as? [[String: Any]])
        XCTAssertEqual(workers.first?["name"] as? String, "slow-one")
        XCTAssertGreaterThan(during["rows_per_second"] as? Double ?? 0, 0)
        XCTAssertNotNil(during["eta_seconds"], "an ETA once chunks are done")
        let py = try pythonStatus()
        XCTAssertEqual((py["workers"] as? [[String: Any]])?.first?["name"] as? String, "slow-one")
        XCTAssertGreaterThanOrEqual(Int(py["tasks_done"] as? String ?? "0") ?? 0, 3)

        // metrics.prom is rewritten while the run goes on (every 5 s): it shows chunks done, the
        // worker, and a run not finished yet.
        let metricsDeadline = Date().addingTimeInterval(30)
        var running: [String: Double] = [:]
        repeat {
            Thread.sleep(forTimeInterval: 0.5)
            if FileManager.default.fileExists(atPath: dir.file("out/metrics.prom")) { running = try parseMetrics(dir.file("out/metrics.prom")) }
        } while (running["winnow_tasks{state=done}"] ?? 0) < 1 && Date() < metricsDeadline
        XCTAssertGreaterThanOrEqual(running["winnow_tasks{state=done}"] ?? 0, 1, "\(running)")
        XCTAssertEqual(running["winnow_finished{}"], 0)
        XCTAssertEqual(running["winnow_workers_alive{}"], 1)

        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, (try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "")
        XCTAssertEqual(CLI.wait(worker, seconds: 20), 0)
        // Nobody answers once the run is over: 75, naming the endpoint.
        let after = try CLI.run(["status", "--connect", endpoint, "--timeout", "1"])
        XCTAssertEqual(after.status, 75, after.stderr)
        XCTAssertTrue(after.stderr.contains("no answer from \(endpoint)"), after.stderr)
        let pyAfter = CLI.shell("\(Self.python) \(Self.statusClient) --connect \(endpoint) --timeout 1")
        XCTAssertEqual(pyAfter.status, 75, pyAfter.output)
    }
}

extension ProgressTests {
    /// `select --plot` draws the picture where Python has numpy and matplotlib, and otherwise says
    /// why not; the run succeeds either way.
    func testPlotIsDrawnOrSkippedWithAReason() throws {
        let dir = TemporaryDirectory()
        let flags = try makePool(dir)
        let r = try CLI.run(
            [
                "select", "--workers", "0", "--quiet", "--plot", "--labels", dir.file("pool/labels.npy"),
                "--out", dir.file("out"),
            ] + flags)
        XCTAssertEqual(r.status, 0, r.stderr)
        let png = dir.file("out/selection.png")
        if r.stdout.contains("plot → \(dir.file("out"))/selection.png") {
            XCTAssertEqual(Array(Outputs.bytes(png).prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG file")
        } else {
            XCTAssertTrue(r.stdout.contains("plot skipped: "), r.stdout)
            XCTAssertFalse(FileManager.default.fileExists(atPath: png))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("out/selection.npy")))
    }
}
