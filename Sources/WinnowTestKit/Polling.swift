import Foundation

/// Waiting in tests for something a real process does: poll instead of sleeping a fixed time, so a
/// test goes on as soon as the thing happened and a slow machine gets the whole timeout.
public enum Polling {
    /// Checks `condition` every `interval` seconds until it holds or `timeout` seconds have passed;
    /// returns whether it held.
    @discardableResult
    public static func until(timeout: Double, interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
