extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte: digests, configuration hashes, routing ids in logs.
    public var hexString: String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return out
    }
}
