import Foundation
import WinnowCoordination
import WinnowIO
import WinnowWire

/// An earlier incarnation's accepted results, read back from its journal and taken again by a new
/// coordinator before it serves: the server's resume, and what the coordinator simulation times.
public struct JournalReplay<Book: TaskBook> {
    /// The journal, open for the results still to come.
    public let journal: Journal
    /// Results taken again.
    public let reused: Int
    /// What the state machine asked for after the replay (a run already finished says so).
    public let actions: [Coordinator<Book>.Action]
    /// Seconds to open and check the journal (its header against `data`), until its first record.
    public let openSeconds: Double

    /// Opens (or creates) the journal at `path` and replays its records into `machine` as they are
    /// read, in the order they were accepted; a record that does not decode ends the replay (what
    /// follows reruns).
    public init(path: String, configHash: [UInt8], data: DataFingerprint, codec: WireCodec, into machine: inout Coordinator<Book>) throws {
        let clock = ContinuousClock(), t0 = clock.now
        var opened: Double?
        var decodes = true
        let before = machine.counters.reusedFromJournal
        journal = try Journal.open(path: path, configHash: configHash, data: data) { record in
            if opened == nil { opened = (clock.now - t0).seconds }
            guard decodes, let (_, message) = try? codec.decodeWorkerMessage(record) else {
                decodes = false
                return
            }
            machine.restore(record: message)
        }
        openSeconds = opened ?? (clock.now - t0).seconds
        reused = machine.counters.reusedFromJournal - before
        actions = machine.restored()
    }
}
