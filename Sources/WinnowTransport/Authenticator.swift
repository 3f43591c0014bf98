import CZeroMQ
import Foundation
import Synchronization

/// The ZAP handler (ZeroMQ RFC 27) of one context: CURVE servers in that context ask it about each
/// connecting client, and it admits only the public keys it was given. Without it CURVE would
/// encrypt but let any key in.
///
/// It answers on its own thread so a coordinator busy in a long step never stalls a handshake.
/// It must outlive the sockets it guards: libzmq admits everyone when no handler is bound.
public final class Authenticator: Sendable {
    /// A handshake the handler refused: the peer's address and the key it offered.
    public struct Refusal: Sendable, Equatable {
        public let address: String
        public let key: CurvePublicKey?
        public let mechanism: String
    }

    public static let endpoint = "inproc://zeromq.zap.01"

    private let allowed: Set<CurvePublicKey>
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var stopping = false
        var admitted = 0
        var refused: [Refusal] = []
        var refusedTotal = 0
        var failure: TransportError?
    }

    /// Binds the handler in `context` before returning, so no handshake can slip in unjudged.
    public init(context: Context, allowing keys: [CurvePublicKey]) throws(TransportError) {
        allowed = Set(keys)
        let ready = DispatchSemaphore(value: 0)
        let bindFailure = Mutex<TransportError?>(nil)
        let thread = Thread { [self] in
            let socket: Socket
            do {
                socket = try Socket(context, kind: .reply)
                try socket.bind(Self.endpoint)
            } catch {
                bindFailure.withLock { $0 = error as? TransportError ?? TransportError("ZAP bind") }
                ready.signal()
                finished.signal()
                return
            }
            ready.signal()
            serve(socket)
            socket.close()
            finished.signal()
        }
        thread.name = "winnow-zap"
        thread.start()
        ready.wait()
        if let error = bindFailure.withLock({ $0 }) { throw error }
    }

    /// Handshakes admitted and refused so far.
    public var counts: (admitted: Int, refused: Int) { state.withLock { ($0.admitted, $0.refusedTotal) } }

    /// Refusals since the last call (for the owner to log on its own thread).
    public func takeRefusals() -> [Refusal] {
        state.withLock { s in
            defer { s.refused.removeAll() }
            return s.refused
        }
    }

    /// Stops answering; call after closing the sockets it guards.
    public func stop() {
        let wasRunning = state.withLock { s in
            defer { s.stopping = true }
            return !s.stopping
        }
        if wasRunning { finished.wait() }
    }

    private func serve(_ socket: Socket) {
        let poller = Poller()
        while !state.withLock({ $0.stopping }) {
            do {
                guard try poller.wait(sockets: [socket], timeoutMillis: 100).sockets[0] else { continue }
                while let request = try socket.receive() {
                    try socket.send(reply(to: request))
                }
            } catch {
                state.withLock { $0.failure = error }
                return
            }
        }
    }

    /// RFC 27: version, request id, domain, address, routing id, mechanism, credentials…
    /// → version, request id, status code, status text, user id, metadata.
    func reply(to frames: [[UInt8]]) -> [[UInt8]] {
        let requestID = frames.count > 1 ? frames[1] : []
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
            return [Array("1.0".utf8), requestID, Array("500".utf8), Array("malformed ZAP request".utf8), [], []]
        }
        let address = String(decoding: frames[3], as: UTF8.self)
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        let key = mechanism == "CURVE" && frames.count >= 7 ? CurvePublicKey(raw: frames[6]) : nil
        if let key, allowed.contains(key) {
            state.withLock { $0.admitted += 1 }
            return [Array("1.0".utf8), requestID, Array("200".utf8), Array("OK".utf8), Array(key.z85.utf8), []]
        }
        state.withLock { s in
            s.refusedTotal += 1
            // Bounded: a peer hammering the port cannot grow this between two reads.
            if s.refused.count < 1000 { s.refused.append(Refusal(address: address, key: key, mechanism: mechanism)) }
        }
        return [Array("1.0".utf8), requestID, Array("400".utf8), Array("key not allowed for this run".utf8), [], []]
    }
}
