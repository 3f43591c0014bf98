import Foundation

/// The figures of a run in words and as JSON, against the targets the coordinator is held to.
struct SimulationReport {
    let settings: SimulationSettings
    let figures: SimulationFigures
    let wallSeconds: Double

    private static let mebibyte = 1024.0 * 1024.0

    /// The coordinator's CPU as a share of one core, per 100 workers, over the virtual run.
    var coreSharePer100Workers: Double {
        figures.tally.cpuSeconds / figures.makespanSeconds / (Double(settings.workers) / 100)
    }

    var rows: [(String, String)] {
        let f = figures, t = f.tally
        var out: [(String, String)] = [
            ("pool", "\(settings.rows.formatted()) × \(settings.dimension), k = \(settings.k.formatted())"),
            ("workers × slots", "\(settings.workers) × \(settings.slots)"),
            (
                "plan",
                "\(f.plan.chunks.formatted()) chunks, levels \(f.plan.levelSizes.map { $0.formatted() }.joined(separator: " → ")), top level \(f.plan.topLevel), leaf budget \(f.plan.leafBudget)"
            ),
            (
                "task medians measured here (s)",
                "chunk \(String(format: "%.3f", f.chunkSeconds))"
                    + f.mergeSeconds.sorted { $0.key < $1.key }.map { ", merge L\($0.key) \(String(format: "%.2f", $0.value))" }.joined()
            ),
            ("virtual makespan / ideal", String(format: "%.1f s / %.1f s = %.3f", f.makespanSeconds, f.idealSeconds, f.makespanSeconds / f.idealSeconds)),
            (
                "coordinator CPU, all",
                String(format: "%.1f s over %d calls (%.1f µs a call)", t.cpuSeconds, t.calls, 1e6 * t.cpuSeconds / Double(max(1, t.calls)))
            ),
            ("of it, the status for the console", String(format: "%.1f s", t.statusSeconds)),
            ("coordinator CPU per 100 workers", String(format: "%.2f %% of one core", 100 * coreSharePer100Workers)),
            ("journal syncs (wall)", String(format: "%.1f s for %d records", t.journalWallSeconds, t.journalRecords)),
            ("journal bytes", String(format: "%.1f MiB", Double(t.journalBytes) / Self.mebibyte)),
            (
                "wire in / out",
                String(
                    format: "%d msgs %.1f MiB / %d msgs %.1f MiB; largest %.2f MiB", t.messagesIn, Double(t.bytesIn) / Self.mebibyte, t.messagesOut,
                    Double(t.bytesOut) / Self.mebibyte, Double(t.largestMessage) / Self.mebibyte)
            ),
            (
                "peak resident (process; before the run)",
                String(
                    format: "%.0f MiB (sampled each virtual second: %.0f MiB); %.0f MiB", Double(f.peakResidentBytes) / Self.mebibyte,
                    Double(f.peakSampledResidentBytes) / Self.mebibyte, Double(f.baselineResidentBytes) / Self.mebibyte)
            ),
            (
                "leases issued / reissued / revoked", "\(f.counters.leasesIssued) / \(f.counters.leasesReissued) / \(f.counters.leasesRevoked)"
            ),
            ("backups issued / won", "\(f.counters.backupsIssued) / \(f.counters.backupsWon)"),
            ("workers lost (simulated / declared)", "\(f.workersLost) / \(f.counters.workersLost)"),
        ]
        if let replay = f.replay, let at = f.restartedAt {
            out.append(
                (
                    "restart from the journal",
                    String(
                        format:
                            "killed at %.1f s with %d tasks done; replay %.2f s wall (%.2f s CPU, %.2f s reading the file), %d results reused, peak %.0f MiB",
                        at, f.tasksDoneAtKill, replay.wallSeconds, replay.cpuSeconds, replay.openSeconds, replay.reused,
                        Double(f.replayPeakResidentBytes) / Self.mebibyte)
                ))
        }
        out.append(("events; simulation wall", String(format: "%d; %.1f s", f.events, wallSeconds)))
        return out
    }

    var markdown: String {
        (["| figure | value |", "|---|---|"] + rows.map { "| \($0.0) | \($0.1) |" }).joined(separator: "\n")
    }

    var json: String {
        let f = figures, t = f.tally
        var object: [String: Any] = [
            "rows": settings.rows, "dimension": settings.dimension, "k": settings.k, "workers": settings.workers, "slots": settings.slots,
            "chunks": f.plan.chunks, "level_sizes": f.plan.levelSizes, "top_level": f.plan.topLevel,
            "chunk_seconds": f.chunkSeconds, "merge_seconds": Dictionary(uniqueKeysWithValues: f.mergeSeconds.map { ("\($0.key)", $0.value) }),
            "makespan_seconds": f.makespanSeconds, "ideal_seconds": f.idealSeconds,
            "coordinator_cpu_seconds": t.cpuSeconds, "status_cpu_seconds": t.statusSeconds, "coordinator_calls": t.calls,
            "core_share_per_100_workers": coreSharePer100Workers,
            "journal_sync_seconds": t.journalWallSeconds, "journal_records": t.journalRecords, "journal_bytes": t.journalBytes,
            "messages_in": t.messagesIn, "bytes_in": t.bytesIn, "messages_out": t.messagesOut, "bytes_out": t.bytesOut,
            "largest_message_bytes": t.largestMessage,
            "peak_resident_bytes": f.peakResidentBytes, "peak_sampled_resident_bytes": f.peakSampledResidentBytes,
            "baseline_resident_bytes": f.baselineResidentBytes,
            "leases_issued": f.counters.leasesIssued, "leases_reissued": f.counters.leasesReissued, "leases_revoked": f.counters.leasesRevoked,
            "backups_issued": f.counters.backupsIssued, "backups_won": f.counters.backupsWon,
            "workers_lost": f.workersLost, "events": f.events, "wall_seconds": wallSeconds,
        ]
        if let replay = f.replay {
            object["replay"] = [
                "killed_at": f.restartedAt ?? 0, "tasks_done_at_kill": f.tasksDoneAtKill, "wall_seconds": replay.wallSeconds,
                "cpu_seconds": replay.cpuSeconds, "open_seconds": replay.openSeconds, "reused": replay.reused,
                "peak_resident_bytes": f.replayPeakResidentBytes,
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
