import ArgumentParser
import Foundation

/// A duration as the options take it: seconds with decimals (`0.25`) or a suffix `s`, `m`, `h`
/// (`90s`, `30m`, `6h`). A bad value is a usage error (exit 64).
struct DurationArgument: ExpressibleByArgument, Sendable, Equatable {
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        guard let seconds = Self.parse(argument) else { return nil }
        self.seconds = seconds
    }

    static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.last else { return nil }
        let multiplier: Double
        var number = Substring(trimmed)
        switch last {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        default: multiplier = 1
        }
        if last.isLetter { number = number.dropLast() }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        return value * multiplier
    }

    var defaultValueDescription: String {
        let whole = Int(seconds)
        guard Double(whole) == seconds else { return "\(seconds)s" }
        if whole >= 3600 && whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole >= 60 && whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
