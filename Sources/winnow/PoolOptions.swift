import ArgumentParser
import WinnowIO

/// The input flags shared by every command that reads a pool.
struct PoolOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .upToNextOption,
        help: "Pool .npy files (float32 or float16, 2-D, C order) or globs; a glob's matches are sorted. Files are concatenated in the order given.")
    var input: [String] = []

    func open() throws -> Pool {
        guard !input.isEmpty else { throw ValidationError("give the pool with --input 'DIR/*.npy'") }
        let (paths, unmatched) = InputManifest.expand(input)
        guard unmatched.isEmpty else {
            throw ValidationError("--input \(unmatched.map { "'\($0)'" }.joined(separator: ", ")) matches no file")
        }
        return try Pool.open(paths: paths)
    }
}
