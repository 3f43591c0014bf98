import WinnowCoordination

/// A distributed run that ended without a selection: the exit status it maps to (README "Exit
/// codes") and words that name the file, row or peer at fault.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
    public let code: StatusCode
    public let message: String

    public init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Stopped from outside (75: requeue me, 130: Ctrl-C): the journal stays and the same command resumes.
    public var isInterruption: Bool { code == .temporary || code == .interrupted }

    public static func interrupted(_ signal: StopRequest) -> RunFailure {
        RunFailure(signal.statusCode, "stopped by \(signal.name); workers were told to exit")
    }
}
