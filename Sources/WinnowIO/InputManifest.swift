import Foundation

/// Turns `--input` arguments into the ordered list of pool files: each argument is a path or a glob
/// (`*`, `?`, `[...]` in any path component); a glob's matches are sorted, and arguments keep the
/// order they were given in. The manifest order fixes global row numbers.
public enum InputManifest {
    public static func expand(_ patterns: [String]) -> (paths: [String], unmatched: [String]) {
        var paths: [String] = [], unmatched: [String] = []
        for pattern in patterns {
            let matches = isGlob(pattern) ? glob(pattern) : (FileManager.default.fileExists(atPath: pattern) ? [pattern] : [])
            if matches.isEmpty { unmatched.append(pattern) }
            paths += matches
        }
        return (paths, unmatched)
    }

    static func isGlob(_ s: String) -> Bool { s.contains { "*?[".contains($0) } }

    static func glob(_ pattern: String) -> [String] {
        let absolute = pattern.hasPrefix("/")
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var current: [String] = [absolute ? "/" : ""]
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            var next: [String] = []
            for base in current {
                let dir = base.isEmpty ? "." : base
                let join = { (name: String) in base.isEmpty ? name : (base.hasSuffix("/") ? base + name : base + "/" + name) }
                if isGlob(part) {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                    for name in names.sorted() where fnmatch(part, name, 0) == 0 && (!name.hasPrefix(".") || part.hasPrefix(".")) {
                        next.append(join(name))
                    }
                } else {
                    next.append(join(part))
                }
            }
            current = next.filter { path in
                var isDir: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && (last ? !isDir.boolValue : isDir.boolValue)
            }
        }
        return current.sorted()
    }
}
