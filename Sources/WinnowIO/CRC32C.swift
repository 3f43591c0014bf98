import WinnowNative

/// CRC-32C (Castagnoli), the checksum of journal records: detects torn and corrupt writes.
public enum CRC32C {
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { CRC32CKernel.checksum(bytes) }
    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 { CRC32CKernel.checksum(bytes) }
}
