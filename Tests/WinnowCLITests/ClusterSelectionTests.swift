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
