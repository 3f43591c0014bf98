/// "1 chunk", "3 chunks": a count with its noun in the number it needs.
public func counted(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
}
