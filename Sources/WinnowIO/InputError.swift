/// Something wrong with an input file: it names the file, and the byte offset or row where that
/// applies. Every input error exits with 65 (bad data) and leaves no output files behind.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let unreadable = Code("unreadable")
        public static let truncated = Code("truncated")
        public static let badMagic = Code("bad-magic")
        public static let badHeader = Code("bad-header")
        public static let unsupportedVersion = Code("unsupported-version")
        public static let unsupportedDtype = Code("unsupported-dtype")
        public static let fortranOrder = Code("fortran-order")
        public static let badShape = Code("bad-shape")
        public static let trailingBytes = Code("trailing-bytes")
        public static let dimensionMismatch = Code("dimension-mismatch")
        public static let lengthMismatch = Code("length-mismatch")
        public static let nonfinite = Code("nonfinite")
        public static let emptyPool = Code("empty-pool")
        /// A row number that is not a row of the pool (`--rows`, `--exclude`).
        public static let rowOutOfRange = Code("row-out-of-range")
    }

    public let code: Code
    public let path: String
    /// Byte offset in the file where the problem was found, when it is about bytes.
    public let byteOffset: Int?
    /// Row in the file, when it is about a row.
    public let row: Int?
    public let message: String

    public init(_ code: Code, path: String, byteOffset: Int? = nil, row: Int? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.byteOffset = byteOffset
        self.row = row
        self.message = message
    }

    public var description: String {
        var place = path
        if let byteOffset { place += " (byte \(byteOffset))" }
        if let row { place += " (row \(row))" }
        return "\(place): \(message)"
    }
}
