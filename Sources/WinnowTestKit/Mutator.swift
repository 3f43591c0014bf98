import WinnowCore

/// Seeded byte-level mutations of valid inputs, for hostile-input tests: flips, overwrites with
/// interesting values, insertions, deletions, truncations and spliced copies. A mutated input must
/// be rejected with a typed error or accepted — never crash.
public struct Mutator {
    private var random: SeededRandom

    public init(seed: UInt64) { random = SeededRandom(seed: seed, stream: .evaluation, 77) }

    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        let rounds = 1 + random.index(below: 4)
        for _ in 0..<rounds {
            let at = bytes.isEmpty ? 0 : random.index(below: bytes.count)
            switch random.index(below: 7) {
            case 0 where !bytes.isEmpty:
                bytes[at] ^= UInt8(1 << random.index(below: 8))
            case 1 where !bytes.isEmpty:
                bytes[at] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x27, 0x7B, 0x2C][random.index(below: 8)]
            case 2:
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
            case 3 where !bytes.isEmpty:
                bytes.remove(at: at)
            case 4:
                bytes = Array(bytes.prefix(at))
            case 5 where bytes.count > 2:
                let from = random.index(below: bytes.count), length = 1 + random.index(below: min(16, bytes.count - from))
                bytes.insert(contentsOf: bytes[from..<from + length], at: at)
            default:
                // A varint of the largest size: protobuf's favourite way to claim a huge length.
                bytes.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], at: at)
            }
        }
        return bytes
    }
}
