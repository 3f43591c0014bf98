import Foundation
import WinnowTransport

/// How one side of a connection protects it. CURVE is required for every endpoint other hosts can
/// reach; plain TCP is allowed only where nothing but this machine can connect.
public enum TransportSecurity: Sendable {
    case plain
    case curveServer(secret: CurveSecretKey, allowed: [CurvePublicKey])
    case curveClient(secret: CurveSecretKey, serverKey: CurvePublicKey)

    /// The rule of README "Security": keys given → CURVE; otherwise plain only on loopback
    /// (`--insecure` says so explicitly and is refused anywhere else).
    public static func choose(endpoint: String, keysGiven: Bool, insecure: Bool, keys: () throws -> TransportSecurity) throws -> TransportSecurity {
        if keysGiven {
            if insecure { throw RunFailure(.usage, "--insecure and keys exclude each other") }
            guard Curve.isAvailable else { throw RunFailure(.incompatible, "this libzmq was built without CURVE (libsodium); keys cannot be used") }
            return try keys()
        }
        guard isLoopback(endpoint) else {
            let refused = insecure ? "--insecure is refused there; " : ""
            throw RunFailure(
                .usage,
                "\(endpoint) is reachable from other hosts and plain TCP would let anyone join: \(refused)"
                    + "give keys (make them with: winnow keygen --out KEYS)")
        }
        return .plain
    }

    /// Only this machine can connect: IPv4 127/8, IPv6 ::1, `localhost`, or a non-TCP transport
    /// (ipc sockets are guarded by file permissions, inproc never leaves the process).
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst("tcp://".count))
        // A connect endpoint may name its source first: tcp://SOURCE;HOST:PORT.
        if let semicolon = host.lastIndex(of: ";") { host = String(host[host.index(after: semicolon)...]) }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        guard let colon = host.lastIndex(of: ":") else { return false }
        host = String(host[..<colon])
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
