import ArgumentParser
import Foundation
import WinnowCoordination
import WinnowIO
import WinnowRuntime
import WinnowTransport

/// The process status of each documented exit code (README "Exit codes", `StatusCode`).
enum ExitStatus {
    static func code(_ status: StatusCode) -> ExitCode { ExitCode(status.rawValue) }

    /// Prints an error the way every command does and returns the code to exit with.
    static func report(_ error: Error) -> ExitCode {
        let (status, message): (StatusCode, String) =
            switch error {
            case let e as InputError: (.badData, e.description)
            case let e as RunFailure: (e.code, e.message)
            case let e as TransportError: (.temporary, "ZeroMQ \(e.description)")
            case let e as AtomicFile.WriteError: (.cannotWrite, e.description)
            case let e as OutputFolder.Unusable: (.cannotWrite, e.description)
            default: (.internalError, "\(error)")
            }
        printError("error: \(message)")
        return code(status)
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
