import CZeroMQ

/// A ZeroMQ call that failed: which call, on which endpoint, and libzmq's errno and words.
public struct TransportError: Error, CustomStringConvertible, Sendable, Equatable {
    public let operation: String
    public let endpoint: String?
    public let errno: Int32

    init(_ operation: String, endpoint: String? = nil, errno: Int32 = zmq_errno()) {
        self.operation = operation
        self.endpoint = endpoint
        self.errno = errno
    }

    public var message: String { String(cString: zmq_strerror(errno)) }

    public var description: String {
        "\(operation)\(endpoint.map { " \($0)" } ?? ""): \(message) (errno \(errno))"
    }

    /// The call was interrupted by a signal; the caller retries or checks why it woke.
    public var interrupted: Bool { errno == EINTR }
}
