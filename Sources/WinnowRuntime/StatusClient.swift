import Foundation
import WinnowCoordination
import WinnowTransport
import WinnowWire

/// Asks a running coordinator where its run stands (`winnow status`): one StatusRequest over a
/// DEALER socket, the same envelope and the same security as a worker's, and nothing else.
public enum StatusClient {
    /// - Throws: `RunFailure` 75 when no coordinator answered within `timeout` (none running there,
    ///   or its run is over), 69 when it refused this client's key or protocol.
    public static func ask(
        _ endpoint: String, security: TransportSecurity, timeout: Duration,
        limits: WireLimits = WireLimits()
    ) throws -> RunStatus {
        let context = try Context()
        let socket = try Socket(context, kind: .dealer)
        try socket.setMaximumMessageSize(Int64(limits.messageBytes))
        if case .curveClient(let secret, let serverKey) = security {
            try socket.enableCurveClient(secretKey: secret, serverKey: serverKey)
        }
        let monitor = try HandshakeMonitor(context, watching: socket)
        defer {
            try? socket.setLinger(milliseconds: 0)
            socket.close()
            monitor.close()
        }
        try socket.connect(endpoint)
        let codec = WireCodec(limits: limits)
        let header = MessageHeader(runID: "", epoch: 0, sender: "status@\(ProcessInfo.processInfo.hostName)", sequence: 1)
        _ = try socket.send([codec.encode(WorkerMessage.statusRequest, header: header)])
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let poller = Poller()
        var handshakeTrouble: String?
        while clock.now < deadline {
            let left = Int(((deadline - clock.now).seconds * 1000).rounded(.up))
            let ready = try poller.wait(sockets: [socket, monitor.pollable], timeoutMillis: max(1, min(left, 100)))
            if ready.sockets[1] {
                for event in try monitor.events() {
                    switch event {
                    case .succeeded: break
                    case .refused: throw RunFailure(.incompatible, "\(endpoint): \(event.explanation)")
                    case .failed, .cutOff: handshakeTrouble = event.explanation
                    }
                }
            }
            while let frames = try socket.receive() {
                guard frames.count == 1, let (_, message) = try? codec.decodeCoordinatorMessage(frames[0]) else { continue }
                switch message {
                case .status(let status): return status
                case .reject(let r): throw RunFailure(.incompatible, "\(endpoint) refused the request: \(r.detail)")
                default: continue
                }
            }
        }
        let why = handshakeTrouble.map { " (\($0))" } ?? " (no coordinator there, or its run is over)"
        throw RunFailure(.temporary, "no answer from \(endpoint) within \(timeout.seconds) s\(why)")
    }
}
