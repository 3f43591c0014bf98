import ArgumentParser
import Foundation
import WinnowIO
import WinnowRuntime
import WinnowTransport

/// The documented exit codes (README "Exit codes"), after BSD sysexits.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let badData = ExitCode(65)
    static let software = ExitCode(70)
    static let cannotWrite = ExitCode(73)
    static let temporary = ExitCode(75)

    /// Prints an error the way every command does and returns the code to exit with.
    static func report(_ error: Error) -> ExitCode {
        switch error {
        case let e as InputError:
            printError("error: \(e.description)")
            return badData
        case let e as RunFailure:
            printError("error: \(e.message)")
            return ExitCode(e.status)
        case let e as TransportError:
            printError("error: ZeroMQ \(e.description)")
            return temporary
        case let e as AtomicFile.WriteError:
            printError("error: \(e.description)")
            return cannotWrite
        case let e as OutputFolder.Unusable:
            printError("error: \(e.description)")
            return cannotWrite
        default:
            printError("error: \(error)")
            return software
        }
    }

    /// Runs `body`; a usage error passes through to ArgumentParser (64, with the usage text), any
    /// other error is reported as `report` says and becomes its exit code.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ValidationError {
            throw error
        } catch {
            throw report(error)
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
