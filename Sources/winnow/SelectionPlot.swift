import Foundation

/// `select --plot`: draws `OUT/selection.png` with `Scripts/plot-selection` when Python, numpy and
/// matplotlib are there. The picture is a convenience: without them the run still succeeds, and
/// says how to get one.
enum SelectionPlot {
    /// Where `WINNOW_PLOT_SELECTION` points, else the script beside the binary (the release tarball's
    /// layout), else in the checkout the binary was built in (`.build/<triple>/release/winnow` → the
    /// package root).
    static func script() -> String? {
        if let path = ProcessInfo.processInfo.environment["WINNOW_PLOT_SELECTION"] { return path }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = folder.appendingPathComponent("plot-selection").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("Scripts/plot-selection").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs the script on a finished run folder; returns what to tell the user.
    static func draw(out: String, labels: String?) -> String {
        guard let script = script() else {
            return "plot skipped: plot-selection not found beside this binary nor in its checkout (set WINNOW_PLOT_SELECTION to its path)"
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, out] + (labels.map { ["--labels", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { return "plot skipped: cannot run python3 (\(error))" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: return "plot → \(out)/selection.png"
        case 69: return "plot skipped: \(text.replacingOccurrences(of: "plot-selection: ", with: ""))"
        case 127: return "plot skipped: python3 not found"
        default: return "plot failed (exit \(process.terminationStatus)): \(text)"
        }
    }
}
