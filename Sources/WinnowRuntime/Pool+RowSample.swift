import WinnowCore
import WinnowIO

extension Pool {
    /// The coreset with its row sample's vectors read from the pool: samples travel as row numbers
    /// (the pool is shared), and a merge that covers them needs the vectors.
    func readingSample(of coreset: Coreset) -> Coreset {
        var c = coreset
        c.sample = coreset.sample?.withVectors { read(rows: $0.map { Int($0) }) }
        return c
    }
}
