import Foundation
import XCTest
import WinnowRuntime
import WinnowTestKit
import WinnowTransport
import WinnowWire

/// README "Security": CURVE with an allowlist of the run's worker keys; plain TCP only on loopback.
final class SecurityTests: XCTestCase {
    var selectionFlags: [String] { ["--budget", "60", "--chunk-rows", "1024", "--fan-in", "4", "--no-eval"] }

    func keygen(_ dir: String, workers: Int = 1) throws {
        let r = try CLI.run(["keygen", "--out", dir, "--workers", "\(workers)"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func secretKeys(in dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".secret") }.map { name in
            try String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8).split(separator: "\n").last.map(String.init) ?? ""
        }
    }

    /// With CURVE on (loopback here): a peer with no key, a key not in the run's folder, or the
    /// wrong coordinator key never leases anything; the run's own worker does the whole run. No
    /// secret key appears in any log, the report or the outputs.
    func testOnlyTheRunsKeysCanJoin() throws {
        let dir = TemporaryDirectory()
        let pool = try CLI.run(["generate", "--rows", "20000", "--dim", "24", "--clusters", "16", "--out", dir.file("pool")])
        XCTAssertEqual(pool.status, 0, pool.stderr)
        try keygen(dir.file("keys"), workers: 2)
        try keygen(dir.file("stranger"))
        let endpoint = "tcp://127.0.0.1:\(CLI.freePort())"
        let coordinator = try CLI.start(
            [
                "coordinator", "--bind", endpoint, "--keys", dir.file("keys"), "--input", dir.file("pool/pool-*.npy"),
                "--out", dir.file("out"),
            ] + selectionFlags, log: dir.file("coordinator.log"))
        defer { _ = CLI.wait(coordinator, seconds: 0) }

        // A raw client without CURVE: its Hello never gets an answer.
        let context = try Context()
        let raw = try Socket(context, kind: .dealer)
        try raw.connect(endpoint)
        let hello = WireCodec().encode(.heartbeat(leases: [], tasksDone: 0), header: .init(runID: "", epoch: 0, sender: "raw", sequence: 1))
        try raw.send([hello])
        XCTAssertFalse(try Poller().wait(sockets: [raw], timeoutMillis: 1000).sockets[0], "a client without a key was answered")
        XCTAssertNil(try raw.receive(), "a client without a key was answered")
        raw.close()

        var logs = [dir.file("coordinator.log")]
        func worker(_ name: String, _ extra: [String]) throws -> CLI.Result {
            let r = try CLI.run(["worker", "--connect", endpoint, "--name", name, "--connect-timeout", "3"] + extra)
            try r.stderr.write(toFile: dir.file("\(name).log"), atomically: true, encoding: .utf8)
            logs.append(dir.file("\(name).log"))
            return r
        }
        let noKey = try worker("nokey", [])
        XCTAssertEqual(noKey.status, 75, noKey.stderr)
        XCTAssertTrue(noKey.stderr.contains("handshake"), noKey.stderr)
        let stranger = try worker("stranger", ["--key", dir.file("stranger/worker-1.secret"), "--server-key", dir.file("keys/coordinator.public")])
        XCTAssertEqual(stranger.status, 69, stranger.stderr)
        XCTAssertTrue(stranger.stderr.contains("refused this peer's key"), stranger.stderr)
        let wrongServer = try worker("wrongserver", ["--key", dir.file("keys/worker-1.secret"), "--server-key", dir.file("stranger/coordinator.public")])
        XCTAssertEqual(wrongServer.status, 75, wrongServer.stderr)

        let good = try CLI.start(["worker", "--connect", endpoint, "--name", "good", "--key", dir.file("keys/worker-2.secret")], log: dir.file("good.log"))
        logs.append(dir.file("good.log"))
        XCTAssertEqual(CLI.wait(coordinator, seconds: 120), 0, (try? String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)) ?? "")
        XCTAssertEqual(CLI.wait(good, seconds: 20), 0)

        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("out/report.json")))) as? [String: Any])
        let cluster = try XCTUnwrap(report["cluster"] as? [String: Any])
        XCTAssertEqual((cluster["workers"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["good"])
        let security = try XCTUnwrap(cluster["security"] as? [String: Any])
        XCTAssertEqual(security["mechanism"] as? String, "curve")
        XCTAssertEqual(security["allowed_keys"] as? Int, 2)
        XCTAssertGreaterThanOrEqual(security["refused_keys"] as? Int ?? 0, 1, "\(security)")
        XCTAssertGreaterThanOrEqual(security["failed_handshakes"] as? Int ?? 0, 2, "\(security)")

        let coordinatorLog = try String(contentsOfFile: dir.file("coordinator.log"), encoding: .utf8)
        XCTAssertTrue(coordinatorLog.contains("peer refused"), coordinatorLog)
        let secrets = try secretKeys(in: dir.file("keys")) + secretKeys(in: dir.file("stranger"))
        XCTAssertEqual(secrets.count, 5)
        let outputs = try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).map { dir.file("out/\($0)") }
        for file in logs + outputs {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
            for secret in secrets { XCTAssertFalse(text.contains(secret), "a secret key is in \(file)") }
        }
    }

    /// Plain TCP on an address other hosts can reach is refused (64) before anything is read;
    /// `--insecure` does not change that.
    func testPlainTCPIsRefusedOffLoopback() throws {
        let port = CLI.freePort()
        for flags in [[], ["--insecure"]] {
            let c = try CLI.run(["coordinator", "--bind", "tcp://*:\(port)", "--input", "/nonexistent.npy", "--budget", "5", "--out", "/tmp/unused"] + flags)
            XCTAssertEqual(c.status, 64, c.stderr)
            XCTAssertTrue(c.stderr.contains("reachable from other hosts"), c.stderr)
            let w = try CLI.run(["worker", "--connect", "tcp://10.1.2.3:\(port)", "--connect-timeout", "1"] + flags)
            XCTAssertEqual(w.status, 64, w.stderr)
            XCTAssertTrue(w.stderr.contains("winnow keygen"), w.stderr)
        }
    }

    /// Keys come out private (folder 0700, secrets 0600); a second keygen never overwrites them; a
    /// secret others can read is refused with the command that fixes it.
    func testKeyFilesArePrivateAndChecked() throws {
        let dir = TemporaryDirectory()
        let keys = dir.file("keys")
        try keygen(keys, workers: 3)
        func mode(_ path: String) throws -> Int { try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        XCTAssertEqual(try mode(keys), 0o700)
        for name in ["coordinator", "worker-1", "worker-2", "worker-3"] {
            XCTAssertEqual(try mode("\(keys)/\(name).secret"), 0o600, name)
        }
        let again = try CLI.run(["keygen", "--out", keys])
        XCTAssertEqual(again.status, 64, again.stderr)
        XCTAssertTrue(again.stderr.contains("already holds keys"), again.stderr)

        chmod("\(keys)/worker-1.secret", 0o644)
        let w = try CLI.run(["worker", "--connect", "tcp://127.0.0.1:\(CLI.freePort())", "--key", "\(keys)/worker-1.secret", "--connect-timeout", "1"])
        XCTAssertEqual(w.status, 64, w.stderr)
        XCTAssertTrue(w.stderr.contains("chmod 600"), w.stderr)
        XCTAssertFalse(w.stderr.contains(try secretKeys(in: keys)[0]))

        try "# not a key\nhello\n".write(toFile: "\(keys)/coordinator.public", atomically: true, encoding: .utf8)
        let bad = try CLI.run(["worker", "--connect", "tcp://127.0.0.1:\(CLI.freePort())", "--key", "\(keys)/worker-2.secret", "--connect-timeout", "1"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("coordinator.public: not a CURVE public key"), bad.stderr)
    }

    func testLoopbackEndpoints() {
        for e in [
            "tcp://127.0.0.1:7700", "tcp://127.3.2.1:*", "tcp://localhost:7700", "tcp://[::1]:7700", "ipc:///tmp/w", "inproc://x",
            "tcp://10.0.0.1;127.0.0.1:7700",
        ] {
            XCTAssertTrue(TransportSecurity.isLoopback(e), e)
        }
        for e in [
            "tcp://*:7700", "tcp://0.0.0.0:7700", "tcp://10.0.0.1:7700", "tcp://node17:7700", "tcp://127.0.0.1.evil.com:7700",
            "tcp://[::]:7700", "tcp://127.0.0.1;10.0.0.1:7700", "udp://127.0.0.1:7700", "tcp://eth0:7700",
        ] {
            XCTAssertFalse(TransportSecurity.isLoopback(e), e)
        }
    }

    /// Secret keys print as a placeholder wherever they are interpolated.
    func testSecretKeysDoNotPrint() throws {
        let pair = try Curve.generateKeyPair()
        XCTAssertEqual("\(pair.secret)", "<secret key>")
        XCTAssertEqual(String(reflecting: pair.secret), "<secret key>")
        XCTAssertEqual(try pair.secret.publicKey(), pair.public)
        XCTAssertNil(CurvePublicKey(z85: String(repeating: "~", count: 40)))
        XCTAssertNil(CurvePublicKey(z85: "short"))
    }
}
