extension Duration {
    /// The duration in seconds, for reports and benchmark figures.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
