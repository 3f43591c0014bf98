/// Size limits applied to every inbound message before anything else reads it (Proto/README.md,
/// "Limits"). A decoder is built with them; a message over any limit is rejected, counted and logged.
public struct WireLimits: Sendable, Equatable {
    public enum Default {
        /// Whole message: a merge of 64 children × 8,192 candidates × d 1,024 float32 is 2 GiB, far
        /// beyond any sane plan; 512 MiB leaves room for large merges while bounding memory per peer.
        public static let messageBytes = 512 << 20
        public static let dimension = 65_536
        /// Rows in one coreset, candidates in one merge, ranges in one chunk.
        public static let rows = 16 << 20
        public static let children = 4096
        public static let files = 1 << 20
        public static let stringBytes = 4096
    }

    public var messageBytes = Default.messageBytes
    public var dimension = Default.dimension
    public var rows = Default.rows
    public var children = Default.children
    public var files = Default.files
    public var stringBytes = Default.stringBytes

    public init() {}
}
