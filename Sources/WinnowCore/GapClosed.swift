/// The share of the random-to-reference gap a selection closes (design §2b):
/// `(f(S) − f(random)) / (f(reference) − f(random))`. With the shifted cosine a random subset already
/// scores 0.96–0.98 of the exact greedy, so this, not `f(S) / f(exact)`, tells selections apart. The
/// formula holds for k-center's radius too (smaller is better there, and both differences change sign).
public enum GapClosed {
    /// nil when the reference is no better than random (nothing to close).
    public static func of(objective: Double, random: Double, reference: Double) -> Double? {
        let gap = reference - random
        guard gap != 0, gap.isFinite, objective.isFinite else { return nil }
        return (objective - random) / gap
    }
}
