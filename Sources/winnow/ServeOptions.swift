import ArgumentParser
import Logging
import WinnowCoordination
import WinnowRuntime

/// `--serve ENDPOINT` of `cluster` and `dedup`: the several-machine form, as `winnow coordinator` is
/// for `select`. This process coordinates; the workers are whoever joins (`winnow worker --connect`,
/// the Slurm script's ranks) instead of local processes it starts.
struct ServeOptions: ParsableArguments {
    @Option(help: "Serve the tasks at this ZeroMQ endpoint (e.g. tcp://*:7700) to workers that join (winnow worker --connect) instead of starting local ones.")
    var serve: String?

    @OptionGroup var security: CoordinatorSecurityOptions

    @OptionGroup var coordination: CoordinationOptions

    /// Local workers and served ones do not mix: this process either starts its workers or waits for
    /// them. The endpoint's keys and the coordinator's settings are for workers that join: local ones
    /// run with the defaults, so such a flag without `--serve` would silently do nothing.
    func validate(localWorkers: Int?) throws {
        if serve != nil, localWorkers != nil {
            throw ValidationError("--workers starts local workers; with --serve the workers are those that join (winnow worker --connect): drop one of the two")
        }
        guard serve == nil else { return }
        var given: [String] = []
        if security.keys != nil { given.append("--keys") }
        if security.insecure { given.append("--insecure") }
        if coordination.settings != CoordinationSettings() {
            given.append(
                "the coordinator settings (--heartbeat-ms, --liveness, --progress-timeout, --on-poisoned, --expect-workers, --worker-wait, --no-backups)")
        }
        if !given.isEmpty {
            throw ValidationError(
                "\(given.joined(separator: " and ")) apply to workers that join --serve ENDPOINT; local workers run with the defaults: add --serve or drop them"
            )
        }
    }

    /// Where and how a command serves its workers.
    typealias Served = (bind: String, security: TransportSecurity, coordination: CoordinationSettings)

    /// The endpoint, its security and the coordination settings, when serving (nil: local workers). Keys
    /// are read and checked here, once per command, before the pool is read: a key problem is found
    /// in a second.
    func served() throws -> Served? {
        guard let serve else { return nil }
        do { return (serve, try security.security(bind: serve), coordination.settings) } catch { throw ExitStatus.report(error) }
    }

    /// Where the k-means runs when served; nil for local workers. `nextRunFollows`: the command serves
    /// another run at the same endpoint afterwards (dedup's within-cluster pass); the k-means's
    /// configuration goes into `announced` for it.
    func place(_ served: Served?, nextRunFollows: Bool, announced: AnnouncedRuns = AnnouncedRuns()) -> KMeansExecution.Place? {
        guard let (bind, transport, settings) = served else { return nil }
        let security = security
        return .served(
            bind: bind, security: transport, coordination: settings, nextRunFollows: nextRunFollows, announced: announced,
            announce: { security.announce($0, log: $1) })
    }
}

extension CoordinatorSecurityOptions {
    /// How a worker joins the run being served. `--expect-config` names the command's first run: a
    /// worker that joined it follows the coordinator on to the next ones.
    func announce(_ endpoint: DistributedSelection.Endpoint, log: Logger) {
        let hash = endpoint.configHash.hexString
        let key = keys.map { " --key \($0)/worker-N.secret" } ?? ""
        log.info(
            "workers join with: winnow worker --connect \(endpoint.address.replacingOccurrences(of: "0.0.0.0", with: "HOST"))\(key) --expect-config \(hash)")
    }
}
