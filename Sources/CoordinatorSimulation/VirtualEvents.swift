import HeapModule
import WinnowCoordination

/// Something that happens at a virtual time.
enum VirtualEvent {
    /// A worker's message reaches the coordinator (dropped while it is down).
    case arrive(worker: Int, generation: Int, bytes: [UInt8])
    /// A coordinator message reaches a worker; `epoch` is the sender's.
    case deliver(worker: Int, generation: Int, message: CoordinatorMessage, epoch: UInt64)
    /// A worker's task is done.
    case finish(worker: Int, generation: Int, leaseID: UInt64)
    /// A worker's loop wakes (heartbeats, silence).
    case workerTick(worker: Int, generation: Int)
    case coordinatorTick
    /// The worker's process or node is gone.
    case lose(worker: Int)
    /// Its replacement starts and says Hello.
    case rejoin(worker: Int)
    /// The coordinator's process is killed.
    case kill
    /// A new coordinator process replays the journal and serves.
    case restart
}

/// Events in virtual time order; ties in the order they were scheduled, so a run is reproducible.
struct VirtualEvents {
    private struct Entry: Comparable {
        var at: Double
        var order: UInt64
        var event: VirtualEvent

        static func < (a: Entry, b: Entry) -> Bool { (a.at, a.order) < (b.at, b.order) }
        static func == (a: Entry, b: Entry) -> Bool { (a.at, a.order) == (b.at, b.order) }
    }

    private var heap = Heap<Entry>()
    private var scheduled: UInt64 = 0

    var count: Int { heap.count }

    mutating func schedule(_ event: VirtualEvent, at time: Double) {
        scheduled += 1
        heap.insert(Entry(at: time, order: scheduled, event: event))
    }

    mutating func next() -> (at: Double, event: VirtualEvent)? {
        heap.popMin().map { ($0.at, $0.event) }
    }
}
