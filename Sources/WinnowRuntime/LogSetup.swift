import Foundation
import Logging

public enum LogSetup {
    /// One line per event on stderr, the form job logs want (`LineLogHandler`, in `LogFormat.current`).
    /// With a console, lines go through it, so they are written above a live progress line.
    public static func make(level: Logger.Level, console: ProgressConsole? = nil) -> Logger {
        let format = LogFormat.current
        var log = Logger(label: "winnow") { label in
            var handler = LineLogHandler(label: label, format: format) { line in
                if let console { console.log(line) } else { FileHandle.standardError.write(Data(line.utf8)) }
            }
            handler.logLevel = level
            return handler
        }
        log.logLevel = level
        return log
    }
}
