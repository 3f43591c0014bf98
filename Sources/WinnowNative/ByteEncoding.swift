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
