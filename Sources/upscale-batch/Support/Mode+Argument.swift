import ArgumentParser
import UpscaleBatch

/// `--mode fast|professional`, case-insensitive like the CSV's mode column; any other value
/// is a usage error (exit 64) with the valid values listed by ArgumentParser.
extension Mode: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(userText: argument)
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }

    public var defaultValueDescription: String { rawValue }
}
