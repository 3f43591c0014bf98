import WinnowCore

extension Coordinator where Book == SelectionBook {
    /// A coordinator of a selection run.
    public init(job: SelectionJob, welcome: Welcome, runID: String, epoch: UInt64, settings: CoordinationSettings) {
        self.init(book: SelectionBook(job: job), welcome: welcome, runID: runID, epoch: epoch, settings: settings)
    }

    public var job: SelectionJob { book.job }
}
