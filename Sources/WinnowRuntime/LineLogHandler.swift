import Foundation
import Logging

/// How log lines are written: `text` for people (time, level, logfmt-quoted key=value pairs, the
/// source, the message) or `json` for machines (one object per line).
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// The environment variable that carries the format to the worker processes a command starts.
    public static let environmentKey = "WINNOW_LOG_FORMAT"

    /// The format this process logs in: `WINNOW_LOG_FORMAT`, else text.
    public static var current: LogFormat {
        ProcessInfo.processInfo.environment[environmentKey].flatMap(LogFormat.init(rawValue:)) ?? .text
    }

    /// Sets this process's format, and so that of every process it starts from here on.
    public static func use(_ format: LogFormat) { setenv(environmentKey, format.rawValue, 1) }
}

/// One line per event. Text: `2026-12-05T10:11:21+0000 info winnow: peer=local-0 reason="worker
/// stopped" [WinnowRuntime] worker exits`, a value quoted (logfmt's rules) when it holds a space, `=`
/// or `"`. JSON: `{"time":"2026-12-05T10:11:21.123Z","level":"info","msg":"worker exits",
/// "source":"WinnowRuntime","peer":"local-0",…}`, time to the millisecond, metadata keys after.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    private let write: @Sendable (String) -> Void

    public init(label: String, format: LogFormat, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.format = format
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let pairs = merged.sorted { $0.key < $1.key }.map { ($0.key, Self.text($0.value)) }
        switch format {
        case .text:
            let meta = pairs.isEmpty ? "" : " " + pairs.map { "\($0.0)=\(Self.logfmt($0.1))" }.joined(separator: " ")
            write("\(Self.stamp(Date(), milliseconds: false)) \(event.level) \(label):\(meta) [\(event.source)] \(event.message)\n")
        case .json:
            var fields = [("time", Self.stamp(Date(), milliseconds: true)), ("level", "\(event.level)"), ("msg", "\(event.message)"), ("source", event.source)]
            fields += pairs.filter { !["time", "level", "msg", "source"].contains($0.0) }
            write("{" + fields.map { "\(Self.json($0.0)):\(Self.json($0.1))" }.joined(separator: ",") + "}\n")
        }
    }

    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let s): s.description
        case .array(let a): "[" + a.map(text).joined(separator: ", ") + "]"
        case .dictionary(let d): "[" + d.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "]"
        }
    }

    /// A logfmt value: bare when it can be, else quoted with JSON's escapes (which logfmt readers take).
    static func logfmt(_ value: String) -> String {
        let plain = !value.isEmpty && !value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x20 }
        return plain ? value : json(value)
    }

    /// A JSON string literal.
    static func json(_ value: String) -> String {
        var out = "\""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func stamp(_ date: Date, milliseconds: Bool) -> String {
        if milliseconds { return RunClock.stamp(date) }
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [Int8](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S+0000", &parts)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
