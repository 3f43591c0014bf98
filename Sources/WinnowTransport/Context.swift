import CZeroMQ

/// One libzmq context per process; sockets keep it alive until they are closed.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(TransportError) {
        guard let h = zmq_ctx_new() else { throw TransportError("zmq_ctx_new") }
        handle = h
    }

    deinit { zmq_ctx_term(handle) }
}
