/// float16 → float32 through a 65,536-entry table: one load per value, no branches, identical results
/// everywhere (the conversion is exact, so any method gives the same bits; the table is just fastest
/// without F16C instructions).
enum HalfWidening {
    static let table: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }

    static func widen(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        table.withUnsafeBufferPointer { t in
            for i in 0..<count {
                destination[i] = t[Int(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))]
            }
        }
    }
}
