import CTerminal

/// The width of the terminal a file descriptor writes to.
public enum TerminalSize {
    /// Its columns, or nil where the descriptor is no terminal or the terminal reports no width
    /// (a pty nobody sized, such as `script`'s).
    public static func columns(of fd: Int32) -> Int? {
        let columns = Int(winnow_terminal_columns(fd))
        return columns > 0 ? columns : nil
    }
}
