import WinnowCoordination

/// What crossed the wire in a run, for the report and the wire-overhead benchmark.
public struct WireTraffic: Sendable, Codable, Equatable {
    public var messagesIn = 0
    public var messagesOut = 0
    /// Sends the transport refused (the peer gone, or its queue at the high-water mark): counted, not
    /// lost unseen; the worker's lease expires or its liveness runs out and the task is issued again.
    public var messagesNotSent = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Seconds spent encoding, decoding, sending and receiving (not waiting).
    public var messagingSeconds = 0.0
    public var invalidMessages = 0

    public init() {}
}

/// How connections were protected and who was turned away.
public struct SecurityTally: Sendable, Codable, Equatable {
    /// "curve" or "plain" (loopback only).
    public var mechanism = "plain"
    public var allowedKeys = 0
    public var handshakes = 0
    /// Peers whose CURVE key is not one of the run's worker keys.
    public var refusedKeys = 0
    /// Handshakes that broke off: no CURVE, wrong server key, garbage.
    public var failedHandshakes = 0

    public init() {}
}

/// The cluster part of `report.json`.
public struct CoordinationReport: Sendable, Codable {
    public var endpoint: String
    public var security: SecurityTally
    public var workers: [WorkerTally]
    public var counters: CoordinationCounters
    public var wire: WireTraffic
    public var wallSeconds: Double
    /// bytes in + out per pool row.
    public var wireBytesPerRow: Double
    /// messaging seconds / wall seconds of the coordinator.
    public var messagingShare: Double
    /// What this coordinator wrote to the journal (none without one).
    public var journal: JournalTally?
}
