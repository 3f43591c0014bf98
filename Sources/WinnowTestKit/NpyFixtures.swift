import Foundation
import WinnowCore
import WinnowIO

/// `.npy` images built byte by byte, well-formed or broken on purpose.
public enum NpyFixtures {
    /// A header with any dictionary text, padded like numpy pads it.
    public static func header(_ dict: String, major: UInt8 = 1) -> [UInt8] {
        let prefix = major == 1 ? 10 : 12
        var text = dict
        let total = ((prefix + text.utf8.count + 1 + 63) / 64) * 64
        text += String(repeating: " ", count: total - prefix - text.utf8.count - 1) + "\n"
        let n = text.utf8.count
        let length: [UInt8] = major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), 0, 0]
        return [0x93] + Array("NUMPY".utf8) + [major, 0] + length + Array(text.utf8)
    }

    public static func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in (0..<4).map { UInt8((v.bitPattern >> (8 * $0)) & 0xFF) } }
    }

    public static func float16Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in
            let b = Float16(v).bitPattern; return [UInt8(b & 0xFF), UInt8(b >> 8)]
        }
    }

    /// A well-formed 2-D float32 pool file.
    public static func pool(_ block: VectorBlock, major: UInt8 = 1) -> [UInt8] {
        header("{'descr': '<f4', 'fortran_order': False, 'shape': (\(block.rows), \(block.dimension)), }", major: major)
            + float32Bytes(block.values)
    }

    /// A well-formed 2-D float16 pool file.
    public static func poolFloat16(_ block: VectorBlock) -> [UInt8] {
        header("{'descr': '<f2', 'fortran_order': False, 'shape': (\(block.rows), \(block.dimension)), }")
            + float16Bytes(block.values)
    }

    public static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// A clustered pool of `rows × dimension` as a block.
    public static func clustered(rows: Int, dimension: Int, clusters: Int = 8, seed: UInt64 = 1) -> VectorBlock {
        VectorBlock(
            values: SyntheticPool(rows: rows, dimension: dimension, clusters: clusters, seed: seed).generate(0..<rows).values,
            dimension: dimension)
    }

    /// Uniform random values in [-1, 1).
    public static func uniform(rows: Int, dimension: Int, seed: UInt64 = 1) -> VectorBlock {
        var r = SeededRandom(seed: seed)
        return VectorBlock(values: (0..<rows * dimension).map { _ in Float(r.unit() * 2 - 1) }, dimension: dimension)
    }
}
