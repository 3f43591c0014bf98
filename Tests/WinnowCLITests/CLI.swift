import Foundation
import XCTest

/// Runs the built `winnow` binary, as a user would.
enum CLI {
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["WINNOW_BIN"] { return path }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("winnow").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("winnow").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

extension CLI {
    /// A `winnow` process left running; its stderr goes to `log`.
    static func start(_ arguments: [String], log: String, prefix: [String] = []) throws -> Process {
        let process = Process()
        if prefix.isEmpty {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [binary] + arguments
        }
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        return process
    }

    /// Waits for a process, killing it after `seconds` (a hung test must fail, not hang CI).
    static func wait(_ process: Process, seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.interrupt()
            Thread.sleep(forTimeInterval: 0.5)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// A shell command's status and output (stdout and stderr together). The output goes through a
    /// file, not a pipe: daemons the command starts must not keep the caller waiting for EOF.
    static func shell(_ command: String) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-shell-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        p.arguments = ["-c", "(\(command)) >'\(file)' 2>&1 </dev/null"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return (-1, "") }
        p.waitUntilExit()
        let status = p.terminationReason == .exit ? p.terminationStatus : -1
        return (status, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
    }

    /// A port below the ephemeral range (32768–60999 on Linux), so no outgoing connection holds it.
    static func freePort() -> Int { Int.random(in: 20000..<32000) }
}
