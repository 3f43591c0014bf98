import WinnowCore

/// A connection as the coordinator's ROUTER socket names it (the routing id frame).
public struct PeerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public static func < (a: PeerID, b: PeerID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    public var description: String {
        if !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }) { return String(decoding: bytes, as: UTF8.self) }
        return bytes.hexString
    }
}
