#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A self-pipe: threads that finish work `signal()` it so an event loop blocked in `Poller.wait`
/// wakes at once (ZeroMQ sockets may not be shared between threads; a pipe may).
public final class WakeupPipe: @unchecked Sendable {
    public let readDescriptor: Int32
    private let writeDescriptor: Int32

    public init() throws(TransportError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TransportError("pipe", errno: errno) }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    public func signal() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Empties the pipe after a wake-up.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
    }
}
