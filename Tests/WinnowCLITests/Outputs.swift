import Foundation
import WinnowIO

enum Outputs {
    static func selection(_ dir: String) throws -> [Int64] {
        let file = try NpyFile.open(dir + "/selection.npy")
        return file.map.integers(at: file.header.dataOffset, count: file.header.shape[0], elementSize: 8)
    }

    /// A 1-D int64/int32 `.npy` column, such as `winnow generate`'s labels.npy.
    static func int64Column(_ path: String) throws -> [Int64] {
        let file = try NpyFile.open(path)
        return file.map.integers(at: file.header.dataOffset, count: file.header.shape[0], elementSize: file.header.dtype.size)
    }

    /// A 1-D float32 `.npy` column, such as dedup's max_similarity.npy.
    static func float32Column(_ path: String) throws -> [Float] {
        let file = try NpyFile.open(path)
        var out: [Float] = []
        file.map.appendFloats(at: file.header.dataOffset, rows: file.header.shape[0], dimension: 1, elementSize: 4, to: &out)
        return out
    }

    static func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    static func report(_ dir: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: bytes(dir + "/report.json")) as! [String: Any]
    }
}
