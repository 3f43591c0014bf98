import Foundation
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Worker processes of this same binary on this machine (`select --workers N`), started through
/// swift-subprocess. Their stderr is ours, so their logs land in the job log. Stopping them cancels
/// their tasks, which swift-subprocess turns into SIGTERM, a grace period, then SIGKILL.
public final class LocalWorkers: Sendable {
    private let task: Task<[Int32?], Never>
    private let statuses = Mutex<[Int32?]?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// - Parameter arguments: the worker command line of worker `i`.
    public init(count: Int, executable: String, arguments: @escaping @Sendable (Int) -> [String]) {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let platformOptions = options
        task = Task {
            await withTaskGroup(of: (Int, Int32?).self) { group in
                for i in 0..<count {
                    group.addTask {
                        do {
                            let result = try await Subprocess.run(
                                .path(FilePath(executable)), arguments: Arguments(arguments(i)),
                                platformOptions: platformOptions, output: .discarded, error: .currentStandardError)
                            if case .exited(let code) = result.terminationStatus { return (i, Int32(code)) }
                            return (i, nil)
                        } catch {
                            return (i, nil)
                        }
                    }
                }
                var out = [Int32?](repeating: nil, count: count)
                for await (i, status) in group { out[i] = status }
                return out
            }
        }
        Task { [self] in
            let result = await task.value
            statuses.withLock { $0 = result }
            done.signal()
        }
    }

    /// Waits up to `timeout` for every worker to exit; their exit statuses (nil: killed by a signal),
    /// or nil if some are still running.
    public func wait(timeout: Duration) -> [Int32?]? {
        let ms = Int(timeout.seconds * 1000)
        guard done.wait(timeout: .now() + .milliseconds(ms)) == .success else { return nil }
        done.signal()
        return statuses.withLock { $0 }
    }

    /// Whether every worker has exited.
    public var allExited: Bool { statuses.withLock { $0 != nil } }

    /// Stops every worker still running and waits for them.
    @discardableResult
    public func stop() -> [Int32?] {
        task.cancel()
        return wait(timeout: .seconds(10)) ?? []
    }

    /// This process's own executable, to start workers of the same build.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
