/// `--out DIR/`: the folder without its trailing slashes, so the paths printed from it read
/// `DIR/selection.npy`, not `DIR//selection.npy`.
enum OutputPath {
    static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
