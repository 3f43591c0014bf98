import Foundation
import XCTest
import WinnowTestKit

/// The wire contract from C: `clients/c/winnow-status.c`, built with protobuf-c from `Proto/` and
/// libzmq (Debian packages Scripts/setup installs), asks a real coordinator over CURVE for its status.
final class CClientTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testStatusFromCOverCurve() throws {
        let dir = TemporaryDirectory()
        let build = CLI.shell("'\(Self.root)/clients/c/build' '\(dir.file("c"))'")
        try XCTSkipIf(
            build.status != 0 && (build.output.contains("protoc-c: command not found") || build.output.contains("No package 'libprotobuf-c'")),
            "protobuf-c is not installed (Scripts/setup installs protobuf-c-compiler and libprotobuf-c-dev)")
        XCTAssertEqual(build.status, 0, build.output)
        let client = dir.file("c/winnow-status")

        XCTAssertEqual(try CLI.run(["keygen", "--out", dir.file("keys"), "--workers", "1"]).status, 0)
        XCTAssertEqual(try CLI.run(["keygen", "--out", dir.file("stranger"), "--workers", "1"]).status, 0)
        let g = try CLI.run(["generate", "--rows", "20000", "--dim", "16", "--out", dir.file("pool")])
        XCTAssertEqual(g.status, 0, g.stderr)
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinator = try CLI.start(
            [
                "coordinator", "--bind", endpoint, "--keys", dir.file("keys"), "--input", dir.file("pool/pool-*.npy"),
                "--budget", "20", "--chunk-rows", "2048", "--no-eval", "--out", dir.file("out"),
            ], log: dir.file("coordinator.log"))
        defer {
            coordinator.terminate()
            _ = CLI.wait(coordinator, seconds: 30)
        }
        func ask(_ flags: String) -> (status: Int32, output: String) {
            CLI.shell("'\(client)' --connect \(endpoint) --timeout 2 \(flags)")
        }
        var answer = ask("--key '\(dir.file("keys/worker-1.secret"))'")
        let deadline = Date().addingTimeInterval(30)
        while answer.status == 75 && Date() < deadline && coordinator.isRunning { answer = ask("--key '\(dir.file("keys/worker-1.secret"))'") }
        XCTAssertEqual(answer.status, 0, answer.output)
        let fromWinnow = try CLI.run(["status", "--connect", endpoint, "--key", dir.file("keys/worker-1.secret"), "--json"])
        XCTAssertEqual(fromWinnow.status, 0, fromWinnow.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fromWinnow.stdout.utf8)) as? [String: Any])
        let runID = try XCTUnwrap(json["run_id"] as? String)
        XCTAssertTrue(answer.output.hasPrefix("run \(runID): running, chunks 0/10 tasks, 0/20000 rows"), answer.output)
        XCTAssertTrue(answer.output.contains("0 workers"), answer.output)
        // Without a key, or with a key the run does not know, CURVE never lets the request through.
        XCTAssertEqual(ask("").status, 75)
        let stranger = ask("--key '\(dir.file("stranger/worker-1.secret"))' --server-key '\(dir.file("keys/coordinator.public"))'")
        XCTAssertEqual(stranger.status, 75, stranger.output)
        XCTAssertEqual(ask("--key '\(dir.file("nothing.secret"))'").status, 64)
        XCTAssertEqual(ask("--bogus").status, 64)
    }
}
