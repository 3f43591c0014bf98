import Foundation
import WinnowTransport
#if canImport(Glibc)
import Glibc
#endif

/// The CURVE keys of one run on disk (`winnow keygen --out DIR`):
///
///     DIR/                     0700
///       coordinator.secret     0600   the coordinator's secret key
///       coordinator.public            what workers check the coordinator against
///       worker-1.secret        0600   one pair per worker identity
///       worker-1.public               the coordinator admits exactly the worker-*.public keys
///
/// Each file holds comment lines (`#`) and one 40-character Z85 key. Keys are read from files,
/// never from arguments or the environment, so they stay out of `ps`, shell history and job logs.
public enum KeyDirectory {
    public static let coordinatorName = "coordinator"

    /// Writes a fresh coordinator pair and `workers` worker pairs; refuses to overwrite keys.
    public static func generate(in directory: String, workers: Int) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw failure("\(directory) exists and is not a folder") }
            if let existing = try? fm.contentsOfDirectory(atPath: directory), existing.contains(where: { $0.hasSuffix(".secret") }) {
                throw failure("\(directory) already holds keys; remove them first or choose another folder (a running cluster may use them)")
            }
            chmod(directory, 0o700)
        } else {
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else {
                throw failure("\(directory): cannot create folder: \(String(cString: strerror(errno)))")
            }
        }
        for name in [coordinatorName] + (1...max(workers, 1)).map({ "worker-\($0)" }) {
            let pair = try Curve.generateKeyPair()
            let secretPath = "\(directory)/\(name).secret"
            try write(
                "# Winnow CURVE secret key (\(name)). Keep it private: mode 0600, never copy it into logs.\n\(pair.secret.z85)\n",
                to: secretPath, mode: 0o600)
            try write("# Winnow CURVE public key (\(name)).\n\(pair.public.z85)\n", to: "\(directory)/\(name).public", mode: 0o644)
        }
    }

    /// The coordinator's side: its secret key and the worker keys it admits.
    public static func coordinatorKeys(in directory: String) throws -> (secret: CurveSecretKey, workers: [CurvePublicKey]) {
        let secret = try readSecret("\(directory)/\(coordinatorName).secret")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("worker-") && $0.hasSuffix(".public") }.sorted()
        guard !names.isEmpty else { throw failure("\(directory) holds no worker-*.public keys: run winnow keygen --out \(directory)") }
        return (secret, try names.map { try readPublic("\(directory)/\($0)") })
    }

    /// A worker's side: its secret key and the coordinator's public key (default: `coordinator.public`
    /// beside the secret key).
    public static func workerKeys(secretFile: String, serverKeyFile: String?) throws -> (secret: CurveSecretKey, server: CurvePublicKey) {
        let serverFile = serverKeyFile ?? URL(fileURLWithPath: secretFile).deletingLastPathComponent().path + "/\(coordinatorName).public"
        return (try readSecret(secretFile), try readPublic(serverFile))
    }

    static func readSecret(_ path: String) throws -> CurveSecretKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure("\(path): cannot read secret key: \(String(cString: strerror(errno)))") }
        guard info.st_mode & 0o077 == 0 else {
            throw failure("\(path): secret key is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path)")
        }
        guard let key = CurveSecretKey(z85: try keyLine(path)) else { throw failure("\(path): not a CURVE secret key (one 40-character Z85 line)") }
        return key
    }

    static func readPublic(_ path: String) throws -> CurvePublicKey {
        guard let key = CurvePublicKey(z85: try keyLine(path)) else { throw failure("\(path): not a CURVE public key (one 40-character Z85 line)") }
        return key
    }

    private static func keyLine(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), data.count < 4096 else {
            throw failure("\(path): cannot read key file")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return lines.count == 1 ? lines[0] : ""
    }

    private static func write(_ text: String, to path: String, mode: mode_t) throws {
        // Created with its final mode: a secret is never briefly readable by others.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw failure("\(path): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw failure("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }

    private static func failure(_ message: String) -> RunFailure { RunFailure(.usage, message) }
}
