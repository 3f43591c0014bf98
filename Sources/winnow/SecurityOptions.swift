import ArgumentParser
import WinnowRuntime

/// The coordinator's side of README "Security".
struct CoordinatorSecurityOptions: ParsableArguments {
    @Option(
        help:
            "Folder from winnow keygen: encrypt with CURVE and admit only its worker-*.public keys. Required unless the endpoint (--bind, --serve) is loopback."
    )
    var keys: String?

    @Flag(help: "Plain TCP without keys; allowed only on a loopback endpoint (anyone on this machine can still connect).")
    var insecure = false

    func security(bind: String) throws -> TransportSecurity {
        try TransportSecurity.choose(endpoint: bind, keysGiven: keys != nil, insecure: insecure) {
            let (secret, workers) = try KeyDirectory.coordinatorKeys(in: keys!)
            return .curveServer(secret: secret, allowed: workers)
        }
    }
}

/// The worker's side of README "Security".
struct WorkerSecurityOptions: ParsableArguments {
    @Option(help: "This worker's secret key file (from winnow keygen). Required unless --connect is loopback.")
    var key: String?

    @Option(help: "The coordinator's public key file (default: coordinator.public beside --key).")
    var serverKey: String?

    @Flag(help: "Plain TCP without keys; allowed only on a loopback endpoint.")
    var insecure = false

    func validate() throws {
        if serverKey != nil && key == nil { throw ValidationError("--server-key needs --key") }
    }

    func security(connect: String) throws -> TransportSecurity {
        try TransportSecurity.choose(endpoint: connect, keysGiven: key != nil, insecure: insecure) {
            let (secret, server) = try KeyDirectory.workerKeys(secretFile: key!, serverKeyFile: serverKey)
            return .curveClient(secret: secret, serverKey: server)
        }
    }
}
