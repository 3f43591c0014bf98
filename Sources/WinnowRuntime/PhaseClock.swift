/// The seconds of a run's phases in the order they ran: report.json's `phases`.
struct PhaseClock {
    private let clock = ContinuousClock()
    private var mark: ContinuousClock.Instant
    private(set) var laps: [(name: String, seconds: Double)] = []

    init() { mark = clock.now }

    /// Ends the phase that ran since the last lap (or since this clock began) under `name`.
    mutating func lap(_ name: String) {
        let now = clock.now
        laps.append((name, (now - mark).seconds))
        mark = now
    }
}
