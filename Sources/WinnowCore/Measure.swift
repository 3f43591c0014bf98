import WinnowNative
/// How two rows compare. Facility location maximises a similarity; k-center minimises a distance.
public enum Measure: Sendable, Equatable, Hashable {
    /// `(1 + cos) / 2` of the two rows: in [0, 1], so every row is covered a little (default).
    case shiftedCosine
    /// `max(0, a · b)` of the raw rows; negative products count as 0 because facility location needs
    /// non-negative similarities to be monotone.
    case dot
    /// `exp(−γ ‖a − b‖²)`.
    case rbf(gamma: Double)
    /// `‖a − b‖`.
    case euclidean
    /// `1 − cos(a, b)`, in [0, 2].
    case cosineDistance

    /// Whether rows are scaled to unit length before the product.
    var normalizesRows: Bool {
        switch self {
        case .shiftedCosine, .cosineDistance: true
        case .dot, .rbf, .euclidean: false
        }
    }

    /// Whether the transform needs both rows' squared norms.
    var needsNorms: Bool {
        switch self {
        case .rbf, .euclidean: true
        case .shiftedCosine, .dot, .cosineDistance: false
        }
    }

    public var name: String {
        switch self {
        case .shiftedCosine: "shifted-cosine"
        case .dot: "dot"
        case .rbf(let gamma): "rbf(gamma=\(gamma))"
        case .euclidean: "euclidean"
        case .cosineDistance: "cosine"
        }
    }
}

extension Measure {
    /// The measure as a map of one dot product alone (what `BLAS` can apply while it writes a block),
    /// or nil when it needs the rows' norms too.
    var elementMap: Kernels.ElementMap? {
        switch self {
        case .shiftedCosine: .shiftCosine
        case .dot: .clampNegative
        case .cosineDistance: .cosineDistance
        case .rbf, .euclidean: nil
        }
    }
}
