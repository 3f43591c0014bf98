import ArgumentParser
import Foundation
import WinnowCore

extension LabelBudget {
    /// `--label-budget`: `proportional`, `balanced`, or a JSON object file mapping labels to caps.
    static func parse(_ text: String) throws -> LabelBudget {
        switch text {
        case "proportional": return .proportional
        case "balanced": return .balanced
        default:
            guard let data = FileManager.default.contents(atPath: text),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                throw ValidationError("--label-budget must be proportional, balanced, or a readable JSON file {\"label\": cap, …} (got '\(text)')")
            }
            var caps: [Int64: Int] = [:]
            for (key, value) in object {
                guard let label = Int64(key), let cap = value as? Int, cap >= 0 else {
                    throw ValidationError("--label-budget \(text): \"\(key)\": \(value) is not an integer label with a cap of 0 or more")
                }
                caps[label] = cap
            }
            return .explicit(caps)
        }
    }
}
