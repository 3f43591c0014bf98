import WinnowCore

/// The messages of design §3 as domain values. `WinnowWire` converts them to and from protobuf;
/// the state machines see only these.

/// A worker's first words.
public struct Hello: Sendable, Equatable {
    public var productVersion: String
    public var slots: Int
    public var host: String
    public var pid: Int
    /// The configuration hash the worker was told to join; empty: any.
    public var expectedConfigHash: [UInt8]
    /// The BLAS build and kernel the worker computes with (`BLAS.kernel`); it must be the run's.
    public var blasKernel: String
    /// Which of this process's attempts to join: repeated by a retry, counted on by a new attempt.
    /// The coordinator answers a repeat with its Welcome again and keeps the leases it has given since.
    public var join: UInt64 = 0

    public init(productVersion: String, slots: Int, host: String, pid: Int, expectedConfigHash: [UInt8] = [], blasKernel: String = "") {
        self.productVersion = productVersion
        self.slots = slots
        self.host = host
        self.pid = pid
        self.expectedConfigHash = expectedConfigHash
        self.blasKernel = blasKernel
    }
}

/// Everything a worker needs to run tasks of a run.
public struct RunConfig: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var rows: Int
        public var bytes: Int
        /// "<f4" or "<f2".
        public var dtype: String

        public init(path: String, rows: Int, bytes: Int, dtype: String) {
            self.path = path
            self.rows = rows
            self.bytes = bytes
            self.dtype = dtype
        }
    }

    public var files: [File]
    public var dimension: Int
    public var totalRows: Int
    public var settings: SelectionSettings
    public var skipNonfinite: Bool
    /// The quality column (dtype "<f4", one score per pool row) when the settings weigh quality.
    public var quality: File?
    /// The labels column (dtype "<i8" or "<i4") when the settings set label budgets.
    public var labels: File?
    /// Set for a k-means run: its tasks are Lloyd passes (`AssignTask`), and `settings` stays at its defaults.
    public var clustering: KMeansSettings?
    /// Set for de-duplication's within-cluster pass (`DedupTask`): its settings.
    public var dedup: DedupSettings?
    /// With `--rows`/`--exclude`: a digest of the rows the selection may use (empty: every row), so
    /// the run's hash, and the journal it resumes, change with them.
    public var eligibleRowsDigest: [UInt8] = []
    /// `--given`: rows chosen before, in their pick order; the greedy starts from them.
    public var givenRows: [Int64] = []
    /// `--targets`: the vectors facility location covers instead of the pool.
    public var targets: File?
    /// The BLAS build and kernel the run's similarities come from (the coordinator's `BLAS.kernel`):
    /// a worker computing with another is refused, since other kernels give other float bits and
    /// could change the selection. Empty: not checked.
    public var blasKernel = ""

    /// Global row ranges in words a user can act on: each range's file and rows within it.
    public func describe(rows ranges: [Range<Int>]) -> String {
        var parts: [String] = []
        var first = 0
        for f in files {
            let span = first..<first + f.rows
            let local = ranges.compactMap { r -> String? in
                let lo = max(r.lowerBound, span.lowerBound), hi = min(r.upperBound, span.upperBound)
                return lo < hi ? "\(lo - first)..<\(hi - first)" : nil
            }
            if !local.isEmpty {
                parts.append("\(f.path) rows \(local.prefix(4).joined(separator: ", "))\(local.count > 4 ? " and \(local.count - 4) more ranges" : "")")
            }
            first += f.rows
        }
        return parts.joined(separator: "; ")
    }

    public init(
        files: [File], dimension: Int, totalRows: Int, settings: SelectionSettings, skipNonfinite: Bool, quality: File? = nil,
        labels: File? = nil, clustering: KMeansSettings? = nil
    ) {
        self.files = files
        self.dimension = dimension
        self.totalRows = totalRows
        self.settings = settings
        self.skipNonfinite = skipNonfinite
        self.quality = quality
        self.labels = labels
        self.clustering = clustering
    }
}

public struct Welcome: Sendable, Equatable {
    public var configHash: [UInt8]
    public var config: RunConfig
    public var heartbeat: Duration
    public var liveness: Int

    public init(configHash: [UInt8], config: RunConfig, heartbeat: Duration, liveness: Int) {
        self.configHash = configHash
        self.config = config
        self.heartbeat = heartbeat
        self.liveness = liveness
    }
}

public struct Rejection: Sendable, Equatable, Error {
    public enum Reason: Sendable, Equatable {
        case protocolVersion, configHash, shuttingDown, invalid, blasKernel
        /// The coordinator does not count the worker among the run's (declared gone after a silence):
        /// it says Hello again instead of exiting.
        case unknownPeer
    }

    public var reason: Reason
    public var detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

/// One leased task.
public struct Lease: Sendable, Equatable {
    public enum Work: Sendable, Equatable {
        case chunk(ChunkTask)
        case merge(MergeTask)
        /// A block of a Lloyd pass (k-means runs).
        case assign(AssignTask)
        /// A group of clusters to de-duplicate.
        case dedup(DedupTask)

        public var labelCaps: LabelCaps? {
            switch self {
            case .chunk(let t): t.labelCaps
            case .merge(let t): t.labelCaps
            case .assign, .dedup: nil
            }
        }

        /// The task's name: a chunk is level 0 of its tree, a merge its node, a block (pass, block).
        public var node: MergeTree.Node {
            switch self {
            case .chunk(let t): MergeTree.Node(level: 0, index: t.chunk)
            case .merge(let t): t.node
            case .assign(let t): t.node
            case .dedup(let t): t.node
            }
        }
    }

    public var id: UInt64
    public var work: Work

    public init(id: UInt64, work: Work) {
        self.id = id
        self.work = work
    }

    public var node: MergeTree.Node { work.node }
}

public struct ChunkResult: Sendable, Equatable {
    public var leaseID: UInt64
    public var chunk: Int
    public var coreset: Coreset
    public var statistics: EmbeddingStatistics
    public var skippedRows: [Int64]
    public var busySeconds: Double
    /// The worker process's peak resident memory so far (0: not reported).
    public var peakResidentBytes: Int

    public init(
        leaseID: UInt64, chunk: Int, coreset: Coreset, statistics: EmbeddingStatistics, skippedRows: [Int64], busySeconds: Double,
        peakResidentBytes: Int = 0
    ) {
        self.leaseID = leaseID
        self.chunk = chunk
        self.coreset = coreset
        self.statistics = statistics
        self.skippedRows = skippedRows
        self.busySeconds = busySeconds
        self.peakResidentBytes = peakResidentBytes
    }
}

public struct MergeResult: Sendable, Equatable {
    public var leaseID: UInt64
    public var node: MergeTree.Node
    public var coreset: Coreset
    public var busySeconds: Double
    /// As in `ChunkResult`.
    public var peakResidentBytes: Int

    public init(leaseID: UInt64, node: MergeTree.Node, coreset: Coreset, busySeconds: Double, peakResidentBytes: Int = 0) {
        self.leaseID = leaseID
        self.node = node
        self.coreset = coreset
        self.busySeconds = busySeconds
        self.peakResidentBytes = peakResidentBytes
    }
}

/// A block's share of a Lloyd pass.
public struct AssignResult: Sendable, Equatable {
    public var leaseID: UInt64
    /// level = the pass, index = the block.
    public var node: MergeTree.Node
    public var outcome: AssignOutcome
    public var busySeconds: Double
    /// As in `ChunkResult`.
    public var peakResidentBytes: Int

    public init(leaseID: UInt64, node: MergeTree.Node, outcome: AssignOutcome, busySeconds: Double, peakResidentBytes: Int = 0) {
        self.leaseID = leaseID
        self.node = node
        self.outcome = outcome
        self.busySeconds = busySeconds
        self.peakResidentBytes = peakResidentBytes
    }
}

/// A group's de-duplication.
public struct DedupResult: Sendable, Equatable {
    public var leaseID: UInt64
    public var group: Int
    public var finding: DedupFinding
    public var busySeconds: Double
    /// As in `ChunkResult`.
    public var peakResidentBytes: Int

    public init(leaseID: UInt64, group: Int, finding: DedupFinding, busySeconds: Double, peakResidentBytes: Int = 0) {
        self.leaseID = leaseID
        self.group = group
        self.finding = finding
        self.busySeconds = busySeconds
        self.peakResidentBytes = peakResidentBytes
    }
}

/// What every task's result carries besides its finding.
public protocol TaskResult: Sendable {
    var leaseID: UInt64 { get }
    var busySeconds: Double { get set }
    /// The worker process's peak resident memory so far (0: not reported).
    var peakResidentBytes: Int { get set }
}

extension ChunkResult: TaskResult {}
extension MergeResult: TaskResult {}
extension AssignResult: TaskResult {}
extension DedupResult: TaskResult {}

extension WorkerMessage {
    /// The task result this message is, if it is one.
    public var taskResult: (any TaskResult)? {
        switch self {
        case .chunkResult(let r): r
        case .mergeResult(let r): r
        case .assignResult(let r): r
        case .dedupResult(let r): r
        default: nil
        }
    }
}

/// A task that failed for a reason another try would not fix (bad data, a pool that differs).
public struct TaskFailure: Sendable, Equatable, Error {
    public enum Code: Sendable, Equatable {
        case badData, nonfinite, poolMismatch, invalidTask, internalError
        /// Set by the coordinator, never sent: a task every worker running it died on.
        case poisoned
        /// Set by the coordinator, never sent: no worker joined within the worker wait.
        case noWorkers
    }

    public var leaseID: UInt64
    public var node: MergeTree.Node
    public var code: Code
    public var message: String
    public var path: String?
    public var row: Int64?
    public var byteOffset: Int64?

    /// How the run exits when this failure ends it: bad data when the data is at fault (a bad or
    /// non-finite row, a chunk that kills workers), an internal error otherwise.
    public var statusCode: StatusCode {
        switch code {
        case .badData, .nonfinite, .poisoned: .badData
        case .poolMismatch, .invalidTask, .internalError: .internalError
        case .noWorkers: .temporary
        }
    }

    public init(
        leaseID: UInt64, node: MergeTree.Node, code: Code, message: String,
        path: String? = nil, row: Int64? = nil, byteOffset: Int64? = nil
    ) {
        self.leaseID = leaseID
        self.node = node
        self.code = code
        self.message = message
        self.path = path
        self.row = row
        self.byteOffset = byteOffset
    }
}

/// A running lease as a worker's heartbeat reports it.
public struct LeaseProgress: Sendable, Equatable {
    public var id: UInt64
    /// Rows the task has processed so far (nil: not reported). Only changes matter: a lease whose
    /// count stands still for the progress timeout is taken back.
    public var rowsDone: UInt64?

    public init(id: UInt64, rowsDone: UInt64? = nil) {
        self.id = id
        self.rowsDone = rowsDone
    }
}

/// Worker → coordinator.
public enum WorkerMessage: Sendable, Equatable {
    case hello(Hello)
    case heartbeat(leases: [LeaseProgress], tasksDone: Int)
    case chunkResult(ChunkResult)
    case mergeResult(MergeResult)
    case assignResult(AssignResult)
    case dedupResult(DedupResult)
    case release(leases: [UInt64], reason: String)
    case failure(TaskFailure)
    /// From any client (`winnow status`), not only workers: asks for the run's `RunStatus`.
    case statusRequest
}

/// Coordinator → worker.
public enum CoordinatorMessage: Sendable, Equatable {
    case welcome(Welcome)
    case reject(Rejection)
    case heartbeat
    case lease(Lease)
    case cancel(leaseID: UInt64)
    case shutdown(reason: String, status: Int)
    /// This run is done and the command's next run follows at the same endpoint (a clustered
    /// selection's k-means, then its selection): Hello again instead of exiting.
    case nextRun(reason: String)
    /// The answer to a `statusRequest`.
    case status(RunStatus)
}

/// The envelope fields around every message (design §3).
public struct MessageHeader: Sendable, Equatable {
    public static let protocolVersion: UInt32 = 1

    public var protocolVersion: UInt32
    public var runID: String
    public var epoch: UInt64
    public var sender: String
    public var sequence: UInt64

    public init(protocolVersion: UInt32 = MessageHeader.protocolVersion, runID: String, epoch: UInt64, sender: String, sequence: UInt64) {
        self.protocolVersion = protocolVersion
        self.runID = runID
        self.epoch = epoch
        self.sender = sender
        self.sequence = sequence
    }
}
