import WinnowCluster

/// What crossed the wire in a run, for the report and the wire-overhead benchmark.
public struct WireTraffic: Sendable, Codable, Equatable {
    public var messagesIn = 0
    public var messagesOut = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Seconds spent encoding, decoding, sending and receiving (not waiting).
    public var messagingSeconds = 0.0
    public var invalidMessages = 0

    public init() {}
}

/// The cluster part of `report.json`.
public struct ClusterReport: Sendable, Codable {
    public var endpoint: String
    public var workers: [WorkerTally]
    public var counters: ClusterCounters
    public var wire: WireTraffic
    public var wallSeconds: Double
    /// bytes in + out per pool row.
    public var wireBytesPerRow: Double
    /// messaging seconds / wall seconds of the coordinator.
    public var messagingShare: Double
}
