/// Little-endian byte images of numeric arrays, for writing `.npy` payloads without per-value loops
/// in callers.
public enum ByteEncoding {
    public static func float32(_ values: [Float]) -> [UInt8] {
        values.withUnsafeBytes { Array($0) }
    }

    public static func float16(_ values: [Float]) -> [UInt8] {
        let halves = values.map { Float16($0).bitPattern.littleEndian }
        return halves.withUnsafeBytes { Array($0) }
    }

    public static func int64(_ values: [Int64]) -> [UInt8] {
        values.map { $0.littleEndian }.withUnsafeBytes { Array($0) }
    }

    public static func int32(_ values: [Int32]) -> [UInt8] {
        values.map { $0.littleEndian }.withUnsafeBytes { Array($0) }
    }
}

extension ByteEncoding {
    /// Little-endian float32 values from their byte image; nil when the length is not a multiple of 4.
    public static func floats(fromFloat32 bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        var out = [Float](repeating: 0, count: bytes.count / 4)
        out.withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
        #if _endian(big)
        out = out.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        return out
    }
}
