import WinnowCore

extension MergeTask {
    /// The settings this merge runs with in this process: the root is the run's last task, every
    /// other one done and their workers idle, so it may use every core this process can keep busy
    /// (`UsableProcessors`) for its neighbour lists, which are the same for any number of threads.
    func settingsHere(_ settings: SelectionSettings) -> SelectionSettings {
        guard isRoot else { return settings }
        var here = settings
        here.tuning.threads = max(here.tuning.threads, UsableProcessors.count())
        return here
    }
}
