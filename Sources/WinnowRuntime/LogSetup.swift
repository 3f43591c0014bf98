import Foundation
import Logging

public enum LogSetup {
    /// One line per event on stderr, the form job logs want: time, level, message, metadata.
    /// With a console, lines go through it, so they are written above a live progress line.
    public static func make(level: Logger.Level, console: ProgressConsole? = nil) -> Logger {
        var log = Logger(label: "winnow") { label in
            var handler =
                console.map { StreamLogHandler(label: label, stream: ConsoleStream(console: $0)) }
                ?? StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        log.logLevel = level
        return log
    }
}
