/// Parses the Python dictionary literal of a `.npy` header: `{'key': value, ...}` where a value is a
/// quoted string, `True`/`False`, or a tuple of non-negative integers. Anything else is refused with
/// the byte offset where it went wrong.
struct LiteralParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    let bytes: [UInt8]
    /// Offset of `bytes[0]` in the file, for messages.
    let base: Int
    let path: String
    let allowUTF8: Bool
    var i = 0

    init(bytes: [UInt8], base: Int, path: String, allowUTF8: Bool) {
        self.bytes = bytes
        self.base = base
        self.path = path
        self.allowUTF8 = allowUTF8
    }

    private func fail(_ message: String) -> InputError {
        InputError(.badHeader, path: path, byteOffset: base + i, "header dictionary: \(message)")
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
    }

    private mutating func expect(_ c: UInt8) throws(InputError) {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    private mutating func peek() -> UInt8? {
        skipSpace()
        return i < bytes.count ? bytes[i] : nil
    }

    mutating func parseHeaderDictionary() throws(InputError) -> [String: (value: Value, offset: Int)] {
        if !allowUTF8, let bad = bytes.firstIndex(where: { $0 >= 0x80 }) {
            i = bad
            throw fail("non-ASCII byte in a version 1/2 header")
        }
        try expect(UInt8(ascii: "{"))
        var out: [String: (value: Value, offset: Int)] = [:]
        while true {
            guard let c = peek() else { throw fail("unterminated dictionary") }
            if c == UInt8(ascii: "}") {
                i += 1
                break
            }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            let at = i
            let value = try parseValue()
            guard out[key] == nil else { throw fail("key '\(key)' appears twice") }
            out[key] = (value, at)
            guard let next = peek() else { throw fail("unterminated dictionary") }
            if next == UInt8(ascii: ",") { i += 1; continue }
            guard next == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
        }
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the dictionary") }
        return out
    }

    private mutating func parseString() throws(InputError) -> String {
        guard let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { throw fail("expected a quoted string") }
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != q {
            guard bytes[i] != UInt8(ascii: "\\") else { throw fail("escapes are not accepted in header strings") }
            i += 1
        }
        guard i < bytes.count else { throw fail("unterminated string") }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        guard text.utf8.count <= 64 else { throw fail("string longer than 64 bytes") }
        return text
    }

    private mutating func parseValue() throws(InputError) -> Value {
        guard let c = peek() else { throw fail("missing value") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "T"), UInt8(ascii: "F"):
            for (word, value) in [("True", true), ("False", false)] where bytes[i...].starts(with: Array(word.utf8)) {
                i += word.utf8.count
                return .bool(value)
            }
            throw fail("expected True or False")
        case UInt8(ascii: "("):
            i += 1
            var items: [Int] = []
            while true {
                guard let n = peek() else { throw fail("unterminated tuple") }
                if n == UInt8(ascii: ")") { i += 1; return .tuple(items) }
                items.append(try parseInteger())
                guard items.count <= 32 else { throw fail("tuple has more than 32 entries") }
                guard let sep = peek() else { throw fail("unterminated tuple") }
                if sep == UInt8(ascii: ",") { i += 1; continue }
                guard sep == UInt8(ascii: ")") else { throw fail("expected ',' or ')' in tuple") }
            }
        default:
            throw fail("unexpected value")
        }
    }

    private mutating func parseInteger() throws(InputError) -> Int {
        skipSpace()
        var value = 0, digits = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw fail("integer overflows 64 bits") }
            value = a
            digits += 1
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "L") { i += 1 }  // Python 2 longs
        guard digits > 0 else { throw fail("expected a non-negative integer") }
        return value
    }
}
