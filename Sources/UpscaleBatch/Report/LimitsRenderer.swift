/// Renders `limits`: a table for people, JSON for scripts (cli.md:
/// `{"concurrency": n|null, "rate": r|null}`).
public enum LimitsRenderer {
    public static func json(_ limits: StoreLimits) -> String {
        let concurrency = limits.concurrency.map { String($0) } ?? "null"
        let rate = limits.rate.map(StoreLimits.text(rate:)) ?? "null"
        return "{\"concurrency\": \(concurrency), \"rate\": \(rate)}\n"
    }

    /// One row per limit; `none` where the store sets none.
    public static func table(_ limits: StoreLimits) -> String {
        var table = TextTable(header: ["limit", "value"])
        table.append(["concurrency (requests in flight)", limits.concurrency.map { String($0) } ?? "none"])
        table.append(["rate (requests started per second)", limits.rate.map(StoreLimits.text(rate:)) ?? "none"])
        return table.render()
    }
}
