import Crypto
import Foundation
import SwiftProtobuf
import WinnowCoordination
import WinnowCore

/// Envelopes to bytes and back (Proto/README.md). Decoding checks, in order: size, protobuf
/// well-formedness, magic, a body, the body's direction, then every field against `limits`. A message
/// that fails any check throws `WireError` and is never partially used.
public struct WireCodec: Sendable {
    /// The longest BLAS kernel name a Hello or a configuration may carry ("OpenBLAS 0.3.21 Cooperlake" is 26).
    static let blasKernelBytes = 128

    /// "WNOW" read as a little-endian UInt32.
    public static let magic: UInt32 = 0x574F_4E57

    public var limits: WireLimits
    /// The pool's d, needed to size coreset vectors (a worker learns it from the Welcome).
    public var dimension: Int?
    /// Whether the run's k-means scales rows to unit length (a worker learns it from the Welcome).
    public var normalizesRows = false

    public init(limits: WireLimits = WireLimits(), dimension: Int? = nil) {
        self.limits = limits
        self.dimension = dimension
    }

    // MARK: encoding

    public func encode(_ message: CoordinatorMessage, header: MessageHeader) -> [UInt8] {
        var e = envelope(header)
        switch message {
        case .welcome(let w):
            var b = Winnow_V1_Welcome()
            b.configHash = Data(w.configHash)
            b.config = w.config.wire
            b.heartbeatMillis = UInt32(clamping: Int(w.heartbeat.seconds * 1000))
            b.liveness = UInt32(w.liveness)
            e.welcome = b
        case .reject(let r):
            var b = Winnow_V1_Reject()
            b.reason = r.reason.wire
            b.detail = String(r.detail.prefix(limits.stringBytes / 4))
            e.reject = b
        case .heartbeat:
            e.heartbeat = Winnow_V1_Heartbeat()
        case .lease(let l):
            e.lease = l.wire(limits: limits)
        case .cancel(let id):
            var b = Winnow_V1_Cancel()
            b.leaseID = id
            e.cancel = b
        case .shutdown(let reason, let status):
            var b = Winnow_V1_Shutdown()
            b.reason = String(reason.prefix(limits.stringBytes / 4))
            b.status = UInt32(clamping: status)
            e.shutdown = b
        case .nextRun(let reason):
            var b = Winnow_V1_Shutdown()
            b.reason = String(reason.prefix(limits.stringBytes / 4))
            b.nextRun = true
            e.shutdown = b
        case .status(let s):
            e.statusReply = s.wire
        }
        return Self.bytes(e)
    }

    public func encode(_ message: WorkerMessage, header: MessageHeader) -> [UInt8] {
        var e = envelope(header)
        switch message {
        case .hello(let h):
            var b = Winnow_V1_Hello()
            b.productVersion = h.productVersion
            b.slots = UInt32(clamping: h.slots)
            b.host = h.host
            b.pid = UInt32(clamping: h.pid)
            b.expectedConfigHash = Data(h.expectedConfigHash)
            b.blasKernel = h.blasKernel
            b.join = h.join
            e.hello = b
        case .heartbeat(let leases, let done):
            var b = Winnow_V1_Heartbeat()
            b.leaseIds = leases.map(\.id)
            // All or nothing: the count must match lease_ids (Proto/README.md).
            if leases.allSatisfy({ $0.rowsDone != nil }) { b.rowsDone = leases.map { $0.rowsDone! } }
            b.tasksDone = UInt64(done)
            e.heartbeat = b
        case .chunkResult(let r):
            var b = Winnow_V1_ChunkResult()
            b.leaseID = r.leaseID
            b.task = MergeTree.Node(level: 0, index: r.chunk).wire
            b.coreset = r.coreset.wire
            b.statistics = r.statistics.wire
            b.skippedRows = r.skippedRows
            b.busySeconds = r.busySeconds
            b.peakResidentBytes = UInt64(clamping: r.peakResidentBytes)
            e.chunkResult = b
        case .mergeResult(let r):
            var b = Winnow_V1_MergeResult()
            b.leaseID = r.leaseID
            b.task = r.node.wire
            b.coreset = r.coreset.wire
            b.busySeconds = r.busySeconds
            b.peakResidentBytes = UInt64(clamping: r.peakResidentBytes)
            e.mergeResult = b
        case .assignResult(let r):
            e.assignResult = r.wire
        case .dedupResult(let r):
            e.dedupResult = r.wire
        case .release(let leases, let reason):
            var b = Winnow_V1_Release()
            b.leaseIds = leases
            b.reason = String(reason.prefix(limits.stringBytes / 4))
            e.release = b
        case .failure(let f):
            var b = Winnow_V1_Error()
            b.leaseID = f.leaseID
            b.task = f.node.wire
            b.code = f.code.wire
            b.message = String(f.message.prefix(limits.stringBytes / 4))
            b.path = String((f.path ?? "").prefix(limits.stringBytes / 4))
            b.row = f.row ?? -1
            b.byteOffset = f.byteOffset ?? -1
            e.error = b
        case .statusRequest:
            e.statusRequest = Winnow_V1_StatusRequest()
        }
        return Self.bytes(e)
    }

    private func envelope(_ h: MessageHeader) -> Winnow_V1_Envelope {
        var e = Winnow_V1_Envelope()
        e.magic = Self.magic
        e.protocolVersion = h.protocolVersion
        e.runID = h.runID
        e.epoch = h.epoch
        e.sender = h.sender
        e.sequence = h.sequence
        return e
    }

    private static func bytes(_ e: Winnow_V1_Envelope) -> [UInt8] {
        // Serializing a fully initialised proto3 message cannot fail.
        (try? e.serializedBytes()) ?? []
    }

    // MARK: decoding

    /// A worker's message, as the coordinator reads it.
    public func decodeWorkerMessage(_ bytes: [UInt8]) throws(WireError) -> (MessageHeader, WorkerMessage) {
        let (header, e) = try open(bytes)
        switch e.body {
        case .hello(let b):
            guard b.productVersion.utf8.count <= 64, b.host.utf8.count <= limits.stringBytes, b.expectedConfigHash.count <= 64,
                b.blasKernel.utf8.count <= Self.blasKernelBytes
            else {
                throw WireError(.overLimit, "hello: field too long")
            }
            var hello = Hello(
                productVersion: b.productVersion, slots: Int(b.slots), host: b.host,
                pid: Int(b.pid), expectedConfigHash: [UInt8](b.expectedConfigHash), blasKernel: b.blasKernel)
            hello.join = b.join
            return (header, .hello(hello))
        case .heartbeat(let b):
            guard b.leaseIds.count <= 4096 else { throw WireError(.overLimit, "heartbeat: \(b.leaseIds.count) leases") }
            guard b.rowsDone.isEmpty || b.rowsDone.count == b.leaseIds.count else {
                throw WireError(.inconsistent, "heartbeat: \(b.rowsDone.count) progress counts for \(b.leaseIds.count) leases")
            }
            let leases = b.leaseIds.enumerated().map { i, id in LeaseProgress(id: id, rowsDone: b.rowsDone.isEmpty ? nil : b.rowsDone[i]) }
            return (header, .heartbeat(leases: leases, tasksDone: Int(clamping: b.tasksDone)))
        case .chunkResult(let b):
            let d = try requireDimension()
            guard b.task.level == 0 else { throw WireError(.inconsistent, "chunk result for level \(b.task.level)") }
            guard b.skippedRows.count <= limits.rows else { throw WireError(.overLimit, "chunk result: \(b.skippedRows.count) skipped rows") }
            guard b.busySeconds.isFinite else { throw WireError(.inconsistent, "chunk result: busy seconds") }
            let coreset = try Coreset(wire: b.coreset, dimension: d, limits: limits)
            let statistics = try EmbeddingStatistics(wire: b.statistics, dimension: d)
            return (
                header,
                .chunkResult(
                    ChunkResult(
                        leaseID: b.leaseID, chunk: Int(b.task.index), coreset: coreset,
                        statistics: statistics, skippedRows: b.skippedRows, busySeconds: b.busySeconds,
                        peakResidentBytes: Int(clamping: b.peakResidentBytes)))
            )
        case .mergeResult(let b):
            let d = try requireDimension()
            guard b.task.level >= 1 else { throw WireError(.inconsistent, "merge result for level 0") }
            guard b.busySeconds.isFinite else { throw WireError(.inconsistent, "merge result: busy seconds") }
            let coreset = try Coreset(wire: b.coreset, dimension: d, limits: limits)
            return (
                header,
                .mergeResult(
                    MergeResult(
                        leaseID: b.leaseID, node: MergeTree.Node(wire: b.task),
                        coreset: coreset, busySeconds: b.busySeconds,
                        peakResidentBytes: Int(clamping: b.peakResidentBytes)))
            )
        case .assignResult(let b):
            return (header, .assignResult(try AssignResult(wire: b, dimension: try requireDimension(), limits: limits)))
        case .dedupResult(let b):
            return (header, .dedupResult(try DedupResult(wire: b, limits: limits)))
        case .release(let b):
            guard b.leaseIds.count <= 4096 else { throw WireError(.overLimit, "release: \(b.leaseIds.count) leases") }
            return (header, .release(leases: b.leaseIds, reason: b.reason))
        case .error(let b):
            return (
                header,
                .failure(
                    TaskFailure(
                        leaseID: b.leaseID, node: MergeTree.Node(wire: b.task), code: TaskFailure.Code(wire: b.code), message: b.message,
                        path: b.path.isEmpty ? nil : b.path, row: b.row >= 0 ? b.row : nil, byteOffset: b.byteOffset >= 0 ? b.byteOffset : nil))
            )
        case .statusRequest:
            return (header, .statusRequest)
        case .welcome, .reject, .lease, .cancel, .shutdown, .statusReply:
            throw WireError(.wrongDirection, "a coordinator's message sent to the coordinator")
        case nil:
            throw WireError(.noBody, "envelope without a body")
        }
    }

    /// The coordinator's message, as a worker reads it.
    public func decodeCoordinatorMessage(_ bytes: [UInt8]) throws(WireError) -> (MessageHeader, CoordinatorMessage) {
        let (header, e) = try open(bytes)
        switch e.body {
        case .welcome(let b):
            let config = try RunConfig(wire: b.config, limits: limits)
            guard b.heartbeatMillis >= 10, b.heartbeatMillis <= 600_000, b.liveness >= 1, b.liveness <= 1000 else {
                throw WireError(.inconsistent, "welcome: heartbeat \(b.heartbeatMillis) ms × \(b.liveness)")
            }
            return (
                header,
                .welcome(
                    Welcome(
                        configHash: [UInt8](b.configHash), config: config,
                        heartbeat: .milliseconds(Int(b.heartbeatMillis)), liveness: Int(b.liveness)))
            )
        case .reject(let b):
            return (header, .reject(Rejection(Rejection.Reason(wire: b.reason), b.detail)))
        case .heartbeat:
            return (header, .heartbeat)
        case .lease(let b):
            return (header, .lease(try Lease(wire: b, dimension: try requireDimension(), normalizesRows: normalizesRows, limits: limits)))
        case .cancel(let b):
            return (header, .cancel(leaseID: b.leaseID))
        case .shutdown(let b) where b.nextRun:
            guard b.status == 0 else { throw WireError(.inconsistent, "shutdown: a next run after a failed one (status \(b.status))") }
            return (header, .nextRun(reason: b.reason))
        case .shutdown(let b):
            return (header, .shutdown(reason: b.reason, status: Int(b.status)))
        case .statusReply(let b):
            return (header, .status(try RunStatus(wire: b, limits: limits)))
        case .hello, .chunkResult, .mergeResult, .assignResult, .dedupResult, .release, .error, .statusRequest:
            throw WireError(.wrongDirection, "a worker's message sent to a worker")
        case nil:
            throw WireError(.noBody, "envelope without a body")
        }
    }

    private func open(_ bytes: [UInt8]) throws(WireError) -> (MessageHeader, Winnow_V1_Envelope) {
        guard bytes.count <= limits.messageBytes else {
            throw WireError(.oversized, "\(bytes.count) bytes (limit \(limits.messageBytes))")
        }
        let e: Winnow_V1_Envelope
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 16
            e = try Winnow_V1_Envelope(serializedBytes: bytes, options: options)
        } catch {
            throw WireError(.undecodable, "not a protobuf Envelope (\(bytes.count) bytes): \(error)")
        }
        guard e.magic == Self.magic else {
            throw WireError(.badMagic, "magic 0x\(String(e.magic, radix: 16)) is not Winnow's 0x\(String(Self.magic, radix: 16))")
        }
        guard e.runID.utf8.count <= 128, e.sender.utf8.count <= 256 else { throw WireError(.overLimit, "envelope: run id or sender too long") }
        let header = MessageHeader(
            protocolVersion: e.protocolVersion, runID: e.runID, epoch: e.epoch,
            sender: e.sender, sequence: e.sequence)
        return (header, e)
    }

    private func requireDimension() throws(WireError) -> Int {
        guard let dimension else { throw WireError(.inconsistent, "a task message before the run's dimension is known") }
        return dimension
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
