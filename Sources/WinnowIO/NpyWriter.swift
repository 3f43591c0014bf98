import Foundation
import WinnowNative

/// Writes `.npy` files: small ones whole and atomically, large pools streamed block by block.
public enum NpyWriter {
    /// The bytes of a 1-D int64 `.npy` file.
    public static func int64Image(_ values: [Int64]) -> [UInt8] {
        NpyHeader.encode(dtype: .int64, shape: [values.count]) + ByteEncoding.int64(values)
    }

    /// A 1-D int64 array, atomically.
    public static func writeInt64(_ values: [Int64], to path: String) throws {
        try AtomicFile.write(int64Image(values), to: path)
    }

    /// The bytes of a 1-D int32 `.npy` file.
    public static func int32Image(_ values: [Int32]) -> [UInt8] {
        NpyHeader.encode(dtype: .int32, shape: [values.count]) + ByteEncoding.int32(values)
    }

    /// The bytes of a 2-D float32 `.npy` file of `values.count / dimension` rows.
    public static func float32Image(_ values: [Float], dimension: Int) -> [UInt8] {
        NpyHeader.encode(dtype: .float32, shape: [values.count / max(1, dimension), dimension]) + ByteEncoding.float32(values)
    }

    /// A 1-D int32 array, atomically.
    public static func writeInt32(_ values: [Int32], to path: String) throws {
        try AtomicFile.write(int32Image(values), to: path)
    }

    /// The bytes of a 1-D float32 `.npy` file.
    public static func float32Column(_ values: [Float]) -> [UInt8] {
        NpyHeader.encode(dtype: .float32, shape: [values.count]) + ByteEncoding.float32(values)
    }

    /// A 1-D float32 array, atomically.
    public static func writeFloat32(_ values: [Float], to path: String) throws {
        try AtomicFile.write(float32Column(values), to: path)
    }

    /// A 2-D float array of `rows × dimension`, streamed: `produce` is called with successive row
    /// ranges and returns their values. Written to a temp file and renamed at the end.
    public static func stream(
        to path: String, dtype: NpyHeader.DType, rows: Int, dimension: Int, blockRows: Int = 16_384,
        produce: (Range<Int>) -> [Float]
    ) throws {
        precondition(dtype == .float32 || dtype == .float16)
        let temp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: nil) else {
            throw AtomicFile.WriteError(path: temp, reason: "cannot create")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
        try handle.write(contentsOf: NpyHeader.encode(dtype: dtype, shape: [rows, dimension]))
        var start = 0
        while start < rows {
            let range = start..<min(rows, start + blockRows)
            let values = produce(range)
            precondition(values.count == range.count * dimension)
            try handle.write(contentsOf: dtype == .float32 ? ByteEncoding.float32(values) : ByteEncoding.float16(values))
            start = range.upperBound
        }
        try handle.synchronize()
        try handle.close()
        guard rename(temp, path) == 0 else { throw AtomicFile.WriteError(path: path, reason: "rename failed") }
    }
}
