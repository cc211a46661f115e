/// The store-wide limits that `limits` keeps in the job store, on both engines: at most
/// `concurrency` API requests in flight, at most `rate` requests started per second; nil is no
/// limit. They are each run's default and cap (`RunLimits`), and the runners of a store share
/// them at every heartbeat (`LimitShares`).
///
/// They live in `meta` (two text rows, `limit_concurrency` and `limit_rate`, absent when
/// cleared) rather than in a table of their own: `copy-store` copies every meta row, so it
/// carries them without code of its own, and no schema change is needed (an older version that
/// does not know the rows leaves them alone).
public struct StoreLimits: Sendable, Equatable {
    /// Most API requests in flight at once; nil: none set.
    public var concurrency: Int?
    /// Most API requests started per second; nil: none set.
    public var rate: Double?

    public init(concurrency: Int? = nil, rate: Double? = nil) {
        self.concurrency = concurrency
        self.rate = rate
    }

    /// The concurrency a store may keep: the bounds of `run --concurrency`, so that every value
    /// one accepts the other does too.
    public static let concurrencyRange = 1...1024

    /// The meta rows that hold them.
    static let concurrencyKey = "limit_concurrency"
    static let rateKey = "limit_rate"

    /// What a concurrency must be, for messages.
    static let concurrencyExpected =
        "a whole number from \(concurrencyRange.lowerBound) to \(concurrencyRange.upperBound), or none"
    /// What a rate must be, for messages.
    static let rateExpected = "a number of requests per second above 0 (2, 0.5), or none"

    // MARK: Values as text (the command line, the meta rows)

    /// A concurrency as the user writes it: `none` clears it.
    public static func concurrencyChange(parsing text: String) throws(LimitValueError) -> LimitChange<Int> {
        if text.lowercased() == "none" { return .clear }
        guard let value = Int(text), concurrencyRange.contains(value) else {
            throw LimitValueError(expected: concurrencyExpected)
        }
        return .set(value)
    }

    /// A rate as the user writes it: `none` clears it. Infinity and NaN are not rates.
    public static func rateChange(parsing text: String) throws(LimitValueError) -> LimitChange<Double> {
        if text.lowercased() == "none" { return .clear }
        guard let value = Double(text), value.isFinite, value > 0 else { throw LimitValueError(expected: rateExpected) }
        return .set(value)
    }

    /// A rate as text: a whole number without a fraction (`50`, not `50.0`), else the shortest
    /// form that reads back as the same number (`2.5`). JSON and the meta row use it too.
    public static func text(rate: Double) -> String {
        if rate == rate.rounded(), abs(rate) < 1e15 { return String(Int64(rate)) }
        return String(rate)
    }

    /// The limits as the meta rows hold them (nil: no row). A row that is not a limit (written
    /// by a newer version, or edited by hand) is an error naming the row, never a guess: a
    /// guessed concurrency could overload the account.
    static func fromMeta(concurrency: String?, rate: String?) throws(StoredLimitError) -> StoreLimits {
        var limits = StoreLimits()
        if let concurrency {
            guard case .set(let value) = try? concurrencyChange(parsing: concurrency) else {
                throw StoredLimitError(key: concurrencyKey, value: concurrency, expected: concurrencyExpected)
            }
            limits.concurrency = value
        }
        if let rate {
            guard case .set(let value) = try? rateChange(parsing: rate) else {
                throw StoredLimitError(key: rateKey, value: rate, expected: rateExpected)
            }
            limits.rate = value
        }
        return limits
    }

    /// What a change writes into `meta`, key by key: a value to store, or nil to delete the
    /// row; a limit kept is not written. Both engines apply exactly these, in one transaction.
    static func metaWrites(concurrency: LimitChange<Int>, rate: LimitChange<Double>) -> [(key: String, value: String?)] {
        var writes: [(key: String, value: String?)] = []
        switch concurrency {
        case .keep: break
        case .clear: writes.append((concurrencyKey, nil))
        case .set(let value):
            precondition(concurrencyRange.contains(value), "a concurrency limit out of range: parse it with concurrencyChange")
            writes.append((concurrencyKey, String(value)))
        }
        switch rate {
        case .keep: break
        case .clear: writes.append((rateKey, nil))
        case .set(let value):
            precondition(value.isFinite && value > 0, "a rate limit that is not above 0: parse it with rateChange")
            writes.append((rateKey, text(rate: value)))
        }
        return writes
    }
}
