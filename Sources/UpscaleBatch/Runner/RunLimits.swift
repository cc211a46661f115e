/// The limits one run works under: its own (`run --concurrency`, `--rate`) within the store's
/// (`limits`), and where each came from, so the start line can say why a run holds 2 requests
/// in flight when nobody gave it `--concurrency`.
///
/// A run without its own concurrency takes the store's, else `defaultConcurrency`; a run with
/// its own is capped by the store's (the smaller wins). The rate likewise, with no default.
///
/// Read when the run starts (`read(from:ownConcurrency:ownRate:)`): they are the run's caps,
/// which it never goes above. Its part of the store's limits while it runs is settled at every
/// heartbeat (`JobRunner.apply(_:)`, `LimitShares`), within these caps.
public struct RunLimits: Sendable, Equatable {
    /// Most API requests in flight at once.
    public var concurrency: Int
    public var concurrencyOrigin: Origin
    /// Most API requests started per second; nil: not paced.
    public var rate: Double?
    /// Where `rate` came from; nil when there is none.
    public var rateOrigin: Origin?

    /// A run's concurrency when neither it nor its store sets one (cli.md: 8).
    public static let defaultConcurrency = 8

    /// Where a limit came from.
    public enum Origin: Sendable, Equatable {
        /// Neither the run nor the store set one.
        case byDefault
        /// The run's own; `storeLimit` (as text) when the store also has one, no smaller.
        case run(storeLimit: String?)
        /// The store's; `runAsked` (as text) when the run asked for more.
        case store(runAsked: String?)
    }

    public init(ownConcurrency: Int?, ownRate: Double?, store: StoreLimits) {
        (concurrency, concurrencyOrigin) =
            Self.combine(own: ownConcurrency, store: store.concurrency, text: { String($0) })
            ?? (Self.defaultConcurrency, .byDefault)
        if let combined = Self.combine(own: ownRate, store: store.rate, text: StoreLimits.text(rate:)) {
            rate = combined.0
            rateOrigin = combined.1
        }
    }

    /// Reads the store's limits and combines them with the run's own.
    public static func read(
        from store: any JobStore, ownConcurrency: Int?, ownRate: Double?
    ) async throws(StoreError) -> RunLimits {
        RunLimits(ownConcurrency: ownConcurrency, ownRate: ownRate, store: try await store.limits())
    }

    /// The smaller of the two limits given, and its origin; nil when neither is.
    private static func combine<Value: Comparable>(
        own: Value?, store: Value?, text: (Value) -> String
    ) -> (Value, Origin)? {
        switch (own, store) {
        case (nil, nil): nil
        case (let own?, nil): (own, .run(storeLimit: nil))
        case (nil, let store?): (store, .store(runAsked: nil))
        case (let own?, let store?): own <= store ? (own, .run(storeLimit: text(store))) : (store, .store(runAsked: text(own)))
        }
    }

    /// The limits as the start line says them: "at most 2 requests in flight (the store's
    /// limit)"; the rate only when there is one. `naming` names the run's own settings (the
    /// executable: its flags); without it they are "this run's own".
    public func description(naming: (RunSetting) -> String? = { _ in nil }) -> String {
        var text = "at most \(concurrency) requests in flight (\(Self.explain(concurrencyOrigin, naming(.concurrency))))"
        if let rate, let rateOrigin {
            text +=
                ", at most \(StoreLimits.text(rate: rate)) requests started per second (\(Self.explain(rateOrigin, naming(.rate))))"
        }
        return text
    }

    private static func explain(_ origin: Origin, _ flag: String?) -> String {
        let own = flag ?? "this run's own"
        return switch origin {
        case .byDefault: "the default"
        case .run(nil): own
        case .run(let storeLimit?): "\(own), within the store's limit of \(storeLimit)"
        case .store(nil): "the store's limit"
        case .store(let asked?): "the store's limit; \(own) asked for \(asked)"
        }
    }
}
