/// A store-wide limit's value that is not one: zero, negative, not a number. Its description says
/// what is accepted; the caller says where the value came from (the option, or the store's row).
public struct LimitValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What a value of this limit must be, e.g. "a whole number from 1 to 1024, or none".
    public var expected: String

    public var description: String { "expected \(expected)" }
}
