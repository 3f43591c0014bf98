import CZeroMQ

/// Waits until one of some sockets has a message or one of some file descriptors is readable.
public struct Poller {
    public init() {}

    /// Returns which inputs are readable: socket indices, then descriptor indices. An interrupted wait
    /// (a signal) returns nothing ready rather than throwing.
    public func wait(sockets: [Socket], descriptors: [Int32] = [], timeoutMillis: Int) throws(TransportError) -> (sockets: [Bool], descriptors: [Bool]) {
        var items: [zmq_pollitem_t] = sockets.map { zmq_pollitem_t(socket: $0.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        items += descriptors.map { zmq_pollitem_t(socket: nil, fd: $0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeoutMillis) }
        if rc < 0 {
            let e = zmq_errno()
            if e == EINTR { return (sockets.map { _ in false }, descriptors.map { _ in false }) }
            throw TransportError("zmq_poll", errno: e)
        }
        let ready = items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
        return (Array(ready[..<sockets.count]), Array(ready[sockets.count...]))
    }
}
