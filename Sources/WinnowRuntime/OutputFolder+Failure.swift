import WinnowIO

extension OutputFolder {
    /// Runs `body`; if it fails for good (not interrupted: a stopped run's journal stays to resume),
    /// the folder goes again when this run made it and it is empty.
    public static func removedIfFailed<T>(_ folder: OutputFolder, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as RunFailure where failure.isInterruption {
            throw failure
        } catch {
            folder.removeIfMadeAndEmpty()
            throw error
        }
    }
}
