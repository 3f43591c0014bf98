import Foundation
import Logging

enum LogSetup {
    /// One line per event on stderr, the form job logs want: time, level, message, metadata.
    static func make(level: Logger.Level) -> Logger {
        var log = Logger(label: "winnow") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        log.logLevel = level
        return log
    }
}
