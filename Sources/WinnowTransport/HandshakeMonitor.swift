import CZeroMQ
import Synchronization

/// Reports how a socket's security handshakes end, which libzmq otherwise keeps to itself: a
/// refused CURVE key or a peer speaking another mechanism just looks like silence.
public final class HandshakeMonitor {
    public enum Event: Sendable, Equatable {
        case succeeded(endpoint: String)
        /// The other side's ZAP handler answered this status code (400: key not allowed).
        case refused(endpoint: String, status: Int)
        /// The handshake broke off: mechanism mismatch (one side without CURVE), a server key that
        /// does not match, or garbage. `code` is libzmq's ZMQ_PROTOCOL_ERROR_* value.
        case failed(endpoint: String, code: Int)
        /// The other side closed the connection mid-handshake (`errno`): what a client sees when the
        /// server cannot decrypt it (wrong server key) or does not speak CURVE to it.
        case cutOff(endpoint: String, errno: Int)
    }

    private static let counter = Atomic<Int>(0)
    let socket: Socket

    /// Watches `socket`; the caller polls `self.socket` with its others and calls `events()`.
    public init(_ context: Context, watching watched: Socket) throws(TransportError) {
        let address = "inproc://winnow-monitor-\(Self.counter.add(1, ordering: .relaxed).newValue)"
        try watched.monitor(
            address,
            events: ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        socket = try Socket(context, kind: .pair)
        try socket.connect(address)
    }

    /// The socket to include in a `Poller.wait`.
    public var pollable: Socket { socket }

    /// Every event queued so far.
    public func events() throws(TransportError) -> [Event] {
        var out: [Event] = []
        while let frames = try socket.receive() {
            guard frames.count == 2, frames[0].count == 6 else { continue }
            let id = Int32(frames[0][0]) | Int32(frames[0][1]) << 8
            let value = (0..<4).reduce(0) { $0 | Int(frames[0][2 + $1]) << (8 * $1) }
            let endpoint = String(decoding: frames[1], as: UTF8.self)
            switch id {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: out.append(.succeeded(endpoint: endpoint))
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: out.append(.refused(endpoint: endpoint, status: value))
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: out.append(.failed(endpoint: endpoint, code: value))
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: out.append(.cutOff(endpoint: endpoint, errno: value))
            default: continue
            }
        }
        return out
    }

    public func close() { socket.close() }
}

extension HandshakeMonitor.Event {
    /// Words for an operator: what most likely went wrong.
    public var explanation: String {
        switch self {
        case .succeeded(let e): return "handshake with \(e) succeeded"
        case .refused(let e, let status):
            return "\(e) refused this peer's key (ZAP status \(status)): its public key is not among the run's keys"
        case .failed(let e, let code):
            switch code {
            case Int(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH):
                return "handshake with \(e) failed: one side uses CURVE and the other does not (--keys/--key on both, or neither)"
            case Int(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC):
                return "handshake with \(e) failed: keys do not match (wrong --server-key?)"
            default:
                return "handshake with \(e) failed (libzmq protocol error 0x\(String(code, radix: 16)))"
            }
        case .cutOff(let e, let errno):
            return "\(e) closed the connection during the handshake (errno \(errno)): the coordinator's key is not the one given "
                + "(--server-key), or one side runs without keys"
        }
    }
}
