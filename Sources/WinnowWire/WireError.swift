/// Why an inbound message was refused. Never thrown past the decoder's caller: the message is
/// dropped, counted and logged, and the process keeps serving.
public struct WireError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let oversized = Code("oversized")
        public static let undecodable = Code("undecodable")
        public static let badMagic = Code("bad-magic")
        public static let noBody = Code("no-body")
        public static let wrongDirection = Code("wrong-direction")
        public static let overLimit = Code("over-limit")
        public static let inconsistent = Code("inconsistent")
        public static let badFrames = Code("bad-frames")
        /// A run configuration with fields this build does not know: sent by a newer peer.
        public static let unknownFields = Code("unknown-fields")
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
