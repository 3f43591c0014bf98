import Foundation

/// The header of a `.npy` file (format versions 1.0, 2.0 and 3.0): magic, version, header length and
/// the Python-literal dictionary with `descr`, `fortran_order` and `shape`.
///
/// Parsing trusts nothing: lengths are bounded, the dictionary is parsed by a small literal parser
/// that accepts exactly the forms numpy writes, and every failure names the byte offset.
public struct NpyHeader: Sendable, Equatable {
    public enum DType: String, Sendable, Equatable {
        case float32 = "<f4"
        case float16 = "<f2"
        case int64 = "<i8"
        case int32 = "<i4"

        public var size: Int {
            switch self {
            case .float32, .int32: 4
            case .float16: 2
            case .int64: 8
            }
        }
    }

    public let version: (major: UInt8, minor: UInt8)
    public let dtype: DType
    public let fortranOrder: Bool
    public let shape: [Int]
    /// Where the data starts.
    public let dataOffset: Int

    public static func == (a: NpyHeader, b: NpyHeader) -> Bool {
        a.version == b.version && a.dtype == b.dtype && a.fortranOrder == b.fortranOrder
            && a.shape == b.shape && a.dataOffset == b.dataOffset
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// Longest header accepted: numpy itself writes well under 1 KiB for 2-D arrays.
    public static let maximumHeaderLength = 65_536

    /// Parses a header from the first bytes of a file (at least `maximumHeaderLength + 12` bytes, or
    /// the whole file if shorter).
    public static func parse(_ bytes: [UInt8], path: String) throws(InputError) -> NpyHeader {
        func fail(_ code: InputError.Code, _ offset: Int, _ message: String) -> InputError {
            InputError(code, path: path, byteOffset: offset, message)
        }
        guard bytes.count >= 6 else {
            throw fail(.truncated, bytes.count, "file ends inside the .npy magic (\(bytes.count) bytes)")
        }
        guard Array(bytes[0..<6]) == magic else {
            throw fail(.badMagic, 0, "not a .npy file (the magic string \\x93NUMPY is missing)")
        }
        guard bytes.count >= 8 else { throw fail(.truncated, bytes.count, "file ends inside the .npy version") }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default: throw fail(.unsupportedVersion, 6, "unsupported .npy format version \(major).\(minor) (1.0, 2.0 and 3.0 are read)")
        }
        guard bytes.count >= 8 + lengthSize else { throw fail(.truncated, bytes.count, "file ends inside the header length") }
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        guard headerLength <= maximumHeaderLength else {
            throw fail(.badHeader, 8, "header length \(headerLength) is over the \(maximumHeaderLength)-byte limit")
        }
        let start = 8 + lengthSize
        guard bytes.count >= start + headerLength else {
            throw fail(.truncated, bytes.count, "file ends inside the header (\(headerLength) bytes declared at byte 8)")
        }
        let text = Array(bytes[start..<start + headerLength])
        var parser = LiteralParser(bytes: text, base: start, path: path, allowUTF8: major == 3)
        let dict = try parser.parseHeaderDictionary()

        guard let descr = dict["descr"], case .string(let descrText) = descr.value else {
            throw fail(.badHeader, start, "header has no 'descr' string")
        }
        guard let dtype = DType(rawValue: descrText) ?? DType(rawValue: descrText.replacingOccurrences(of: "=", with: "<")) else {
            let convert =
                descrText.contains("f8") || descrText.contains("f4") || descrText.contains("f2")
                ? "; convert it once with np.save(path, x.astype(np.float32)) (or np.float16 to halve the size)" : ""
            throw fail(
                .unsupportedDtype, start + (dict["descr"]?.offset ?? 0),
                "dtype '\(descrText)' is not supported (pools: '<f4' float32 or '<f2' float16; columns: '<i8', '<i4', '<f4')\(convert)")
        }
        guard let order = dict["fortran_order"], case .bool(let fortran) = order.value else {
            throw fail(.badHeader, start, "header has no 'fortran_order' True/False")
        }
        guard let shapeEntry = dict["shape"], case .tuple(let shape) = shapeEntry.value else {
            throw fail(.badHeader, start, "header has no 'shape' tuple")
        }
        guard Set(dict.keys) == ["descr", "fortran_order", "shape"] else {
            let extra = dict.keys.filter { !["descr", "fortran_order", "shape"].contains($0) }.sorted()
            throw fail(.badHeader, start, "header has unexpected keys \(extra)")
        }
        return NpyHeader(
            version: (major, minor), dtype: dtype, fortranOrder: fortran, shape: shape,
            dataOffset: start + headerLength)
    }

    /// Bytes of data the shape declares, or nil if that overflows.
    public var dataLength: Int? {
        var total = dtype.size
        for s in shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: s)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// A version 1.0 header for a C-order array (version 2.0 if the dictionary needs more room).
    public static func encode(dtype: DType, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let v1 = 10 + dict.utf8.count + 1 <= 65_535
        let prefix = v1 ? 10 : 12
        let total = ((prefix + dict.utf8.count + 1 + 63) / 64) * 64
        dict += String(repeating: " ", count: total - prefix - dict.utf8.count - 1) + "\n"
        let length = dict.utf8.count
        var out = magic + (v1 ? [1, 0] : [2, 0])
        out +=
            v1
            ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return out + Array(dict.utf8)
    }
}
