import Foundation

/// When the command began, for its report: set by the first look at it, which every entry point
/// takes before it does anything else.
public enum RunClock {
    public static let started = Date()

    public static func stamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
