import CZeroMQ

/// A ZeroMQ socket used by one thread. Messages are multipart: an array of frames.
///
/// Sockets are not thread-safe (libzmq's rule), so the type is not `Sendable`: each event loop owns
/// its sockets.
public final class Socket {
    public enum Kind: Sendable {
        case router, dealer
        /// The ZAP handler's socket (`Authenticator`).
        case reply
        /// The receiving end of a socket monitor (`HandshakeMonitor`).
        case pair

        var raw: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .reply: ZMQ_REP
            case .pair: ZMQ_PAIR
            }
        }
    }

    private var handle: UnsafeMutableRawPointer?
    private let context: Context
    public let kind: Kind

    public init(_ context: Context, kind: Kind) throws(TransportError) {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw TransportError("zmq_socket") }
        self.context = context
        self.kind = kind
        handle = h
        // Never block process exit on unsent messages: a peer that is gone is handled by liveness.
        try setLinger(milliseconds: 0)
    }

    deinit { close() }

    public func close() {
        if let h = handle { zmq_close(h) }
        handle = nil
    }

    var raw: UnsafeMutableRawPointer {
        guard let handle else { preconditionFailure("Socket used after close()") }
        return handle
    }

    // MARK: options

    public func setOption(_ option: Int32, _ value: Int32) throws(TransportError) {
        var v = value
        guard zmq_setsockopt(raw, option, &v, MemoryLayout<Int32>.size) == 0 else {
            throw TransportError("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws(TransportError) {
        var v = value
        guard zmq_setsockopt(raw, option, &v, MemoryLayout<Int64>.size) == 0 else {
            throw TransportError("zmq_setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws(TransportError) {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(raw, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw TransportError("zmq_setsockopt(\(option))") }
    }

    /// How long closing the socket (and ending the context) waits for queued messages to leave.
    public func setLinger(milliseconds: Int32) throws(TransportError) {
        try setOption(ZMQ_LINGER, milliseconds)
    }

    /// Messages queued per peer before sends block or drop (ZMQ_SNDHWM / ZMQ_RCVHWM).
    public func setHighWaterMarks(send: Int32, receive: Int32) throws(TransportError) {
        try setOption(ZMQ_SNDHWM, send)
        try setOption(ZMQ_RCVHWM, receive)
    }

    /// Inbound messages larger than this make libzmq drop the connection before they are read.
    public func setMaximumMessageSize(_ bytes: Int64) throws(TransportError) {
        try setOption(ZMQ_MAXMSGSIZE, bytes)
    }

    /// ZMTP heartbeats on every connection: a connection that answers no ping for `timeout` is closed,
    /// and a connecting socket opens a new one. Without them a connection whose link went down stays
    /// open, and after the link comes back TCP's retransmission backoff can hold its bytes for tens of
    /// seconds more; a new connection is made within `connectTimeout` of the link's return.
    public func setLiveness(interval: Duration, timeout: Duration, connectTimeout: Duration) throws(TransportError) {
        func millis(_ d: Duration) -> Int32 { Int32(clamping: d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000) }
        try setOption(ZMQ_HEARTBEAT_IVL, millis(interval))
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, millis(timeout))
        try setOption(ZMQ_HEARTBEAT_TTL, millis(timeout))
        try setOption(ZMQ_CONNECT_TIMEOUT, millis(connectTimeout))
    }

    /// The routing id a DEALER presents to a ROUTER.
    public func setIdentity(_ id: [UInt8]) throws(TransportError) {
        try setOption(ZMQ_ROUTING_ID, bytes: id)
    }

    /// ROUTER only: fail a send to an unknown peer instead of dropping it silently.
    public func setRouterMandatory() throws(TransportError) {
        try setOption(ZMQ_ROUTER_MANDATORY, Int32(1))
    }

    // MARK: security

    /// CURVE server side: encrypt every connection with this key and ask the ZAP handler bound in
    /// the same context (`Authenticator`) which client keys may connect.
    public func enableCurveServer(secretKey: CurveSecretKey, zapDomain: String) throws(TransportError) {
        try setOption(ZMQ_CURVE_SERVER, Int32(1))
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: secretKey.raw)
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(zapDomain.utf8))
    }

    /// CURVE client side: this peer's key pair and the public key the server must prove it holds.
    public func enableCurveClient(secretKey: CurveSecretKey, serverKey: CurvePublicKey) throws(TransportError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: serverKey.raw)
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: secretKey.publicKey().raw)
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: secretKey.raw)
    }

    /// Reports this socket's connection and handshake events to a PAIR socket at `address`.
    func monitor(_ address: String, events: Int32) throws(TransportError) {
        guard zmq_socket_monitor(raw, address, events) == 0 else { throw TransportError("zmq_socket_monitor", endpoint: address) }
    }

    // MARK: endpoints

    public func bind(_ endpoint: String) throws(TransportError) {
        guard zmq_bind(raw, endpoint) == 0 else { throw TransportError("bind", endpoint: endpoint) }
    }

    public func connect(_ endpoint: String) throws(TransportError) {
        guard zmq_connect(raw, endpoint) == 0 else { throw TransportError("connect", endpoint: endpoint) }
    }

    /// The endpoint actually bound (resolves `tcp://host:*` to the port chosen).
    public func lastEndpoint() throws(TransportError) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(raw, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw TransportError("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(cText: buffer)
    }

    // MARK: messages

    /// Sends every frame as one message. Returns false when it would block (high-water mark reached)
    /// or the peer is unknown (`EHOSTUNREACH` with router-mandatory); other failures throw.
    @discardableResult
    public func send(_ frames: [[UInt8]]) throws(TransportError) -> Bool {
        for (i, frame) in frames.enumerated() {
            var flags = ZMQ_DONTWAIT
            if i < frames.count - 1 { flags |= ZMQ_SNDMORE }
            let rc = frame.withUnsafeBytes { zmq_send(raw, $0.baseAddress, $0.count, flags) }
            if rc < 0 {
                let e = zmq_errno()
                if e == EAGAIN || e == EHOSTUNREACH { return false }
                throw TransportError("zmq_send", errno: e)
            }
        }
        return true
    }

    /// The next whole message, or nil when none is waiting.
    public func receive() throws(TransportError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            if zmq_msg_recv(&message, raw, frames.isEmpty ? ZMQ_DONTWAIT : 0) < 0 {
                let e = zmq_errno()
                if e == EAGAIN && frames.isEmpty { return nil }
                throw TransportError("zmq_msg_recv", errno: e)
            }
            let size = zmq_msg_size(&message)
            let frame: [UInt8] = size == 0 ? [] : Array(UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: size))
            frames.append(frame)
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }
}
