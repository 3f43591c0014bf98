/// What one coordinator wrote to its journal: records of accepted results, and the syncs that made
/// them durable (several results taken in at once share one).
public struct JournalTally: Sendable, Codable, Equatable {
    public var records: Int
    public var bytes: Int
    public var syncs: Int
    /// Wall seconds the loop waited on those syncs.
    public var syncSeconds: Double
}
