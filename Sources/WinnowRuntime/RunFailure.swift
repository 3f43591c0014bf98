/// A distributed run that ended without a selection: the exit status it maps to (README "Exit
/// codes") and words that name the file, row or peer at fault.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
    public let status: Int32
    public let message: String

    public init(status: Int32, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    /// Stopped from outside (75: requeue me, 130: Ctrl-C): the journal stays and the same command resumes.
    public var isInterruption: Bool { status == 75 || status == 130 }

    public static func interrupted(_ signal: StopRequest) -> RunFailure {
        RunFailure(status: signal.exitStatus, "stopped by \(signal.name); workers were told to exit")
    }
}
