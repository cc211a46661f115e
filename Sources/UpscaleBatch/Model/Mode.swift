import Foundation

/// The API's processing mode. Professional costs more and takes longer.
public enum Mode: String, CaseIterable, Sendable, Codable {
    case fast
    case professional

    /// Parses a mode as users write it in a CSV or on the command line: case-insensitive,
    /// surrounding whitespace ignored.
    public init?(userText: some StringProtocol) {
        let trimmed = userText.trimmingCharacters(in: .whitespaces).lowercased()
        guard let mode = Mode(rawValue: trimmed) else { return nil }
        self = mode
    }
}
