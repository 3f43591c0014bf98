/// `--objective sensitivity`'s report: the k-means the draw followed and how many draws with
/// replacement the sample stands for.
public struct SensitivitySample: Sendable, Codable {
    public var clusters: Int
    /// The k-means's final inertia and seconds.
    public var inertia: Double
    public var seconds: Double
    /// τ: a pick with chance p in one draw is in the sample with chance 1 − exp(−p τ) (infinite when
    /// every row was taken). About the budget while few rows are drawn twice.
    public var draws: Double?

    public init(clusters: Int, inertia: Double, seconds: Double, draws: Double?) {
        self.clusters = clusters
        self.inertia = inertia
        self.seconds = seconds
        self.draws = draws
    }
}
