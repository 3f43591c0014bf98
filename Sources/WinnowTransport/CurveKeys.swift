import CZeroMQ

/// A CURVE public key (32 bytes). Its Z85 text (40 characters) is what key files, logs and reports
/// show: public keys name peers and are safe to print.
public struct CurvePublicKey: Hashable, Sendable, CustomStringConvertible {
    public let raw: [UInt8]

    public init?(raw: [UInt8]) {
        guard raw.count == 32 else { return nil }
        self.raw = raw
    }

    public init?(z85: String) {
        guard let raw = Z85.decode(z85), raw.count == 32 else { return nil }
        self.raw = raw
    }

    public var z85: String { Z85.encode(raw) }
    public var description: String { z85 }
}

/// A CURVE secret key. It prints as a placeholder so that no log line, error or report can carry
/// it by accident; only `z85` (used when writing the key file) gives the text.
public struct CurveSecretKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let raw: [UInt8]

    public init?(z85: String) {
        guard let raw = Z85.decode(z85), raw.count == 32 else { return nil }
        self.raw = raw
    }

    public var z85: String { Z85.encode(raw) }
    public var description: String { "<secret key>" }
    public var debugDescription: String { description }

    public func publicKey() throws(TransportError) -> CurvePublicKey {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = Array(z85.utf8CString)
        guard zmq_curve_public(&publicText, &secretText) == 0 else { throw TransportError("zmq_curve_public") }
        return CurvePublicKey(z85: String(cText: publicText))!
    }
}

public enum Curve {
    /// libzmq was built with CURVE (libsodium); Debian's is.
    public static var isAvailable: Bool { zmq_has("curve") != 0 }

    public static func generateKeyPair() throws(TransportError) -> (public: CurvePublicKey, secret: CurveSecretKey) {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw TransportError("zmq_curve_keypair") }
        defer { for i in secretText.indices { secretText[i] = 0 } }
        return (CurvePublicKey(z85: String(cText: publicText))!, CurveSecretKey(z85: String(cText: secretText))!)
    }
}

/// ZeroMQ's Z85 text encoding of binary keys (RFC 32).
enum Z85 {
    static func encode(_ bytes: [UInt8]) -> String {
        precondition(bytes.count % 4 == 0)
        var text = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        _ = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, $0.count) }
        return String(cText: text)
    }

    static let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    static func decode(_ text: String) -> [UInt8]? {
        // libzmq's decoder trusts its input; hostile key files are checked here first.
        guard text.utf8.allSatisfy(alphabet.contains) else { return nil }
        let chars = Array(text.utf8CString)
        guard chars.count == 41 else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&out, chars) != nil else { return nil }
        return out
    }
}

extension String {
    /// Text a C call wrote into a buffer, up to its NUL.
    init(cText buffer: [CChar]) {
        self.init(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
