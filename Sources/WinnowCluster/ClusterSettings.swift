/// Timing knobs of the coordinator/worker conversation, each with its one documented default.
public struct ClusterSettings: Sendable, Equatable {
    public enum Default {
        /// Both sides send a heartbeat this often when they have nothing else to say.
        public static let heartbeat = Duration.seconds(1)
        /// Intervals of silence before a peer is declared gone (design §4: 1 s × 5).
        public static let liveness = 5
        /// Tasks a worker runs at once: one process per core is the usual layout, BLAS single-threaded.
        public static let slots = 1
        /// A worker that has not been welcomed after this long gives up (exit 75).
        public static let connectTimeout = Duration.seconds(60)
    }

    public var heartbeat: Duration = Default.heartbeat
    public var liveness: Int = Default.liveness
    public var connectTimeout: Duration = Default.connectTimeout

    public init() {}

    /// Silence after which a peer is gone.
    public var silenceLimit: Duration { heartbeat * liveness }
}
