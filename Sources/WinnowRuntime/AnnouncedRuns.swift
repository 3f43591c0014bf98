/// The configuration hashes a command announced to its workers, run by run, at one endpoint. The
/// announcement names the first run (`--expect-config`); a worker that starts after that run is over
/// meets a later one, which accepts it for having expected an earlier run of the same command
/// (`Coordinator.earlierRuns`) instead of refusing it with 69.
public final class AnnouncedRuns {
    public private(set) var hashes: [[UInt8]] = []

    public init() {}

    public func add(_ hash: [UInt8]) {
        if !hashes.contains(hash) { hashes.append(hash) }
    }
}
