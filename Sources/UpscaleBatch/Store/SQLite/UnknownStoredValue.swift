import GRDB

/// A value in a job's column that this version does not know (a newer upscale-batch wrote it,
/// or the file was edited by hand). Every read of a stored enum goes through `decode`, so an
/// unknown value always stops the command with the value named (`SQLiteJobStore.translate` makes it
/// a `StoreError.sqlite` with the store's path), rather than being replaced by a guess (a mode
/// of `fast` would submit, and be charged, at the wrong price) or silently left out of a count.
struct UnknownStoredValue: Error, Sendable {
    var column: String
    var value: String
    /// The job the row belongs to, when the query reads one job's row.
    var jobID: Int64?

    var detail: String {
        let owner = jobID.map { "job \($0)" } ?? "a job"
        return "\(owner) has an unknown \(column) '\(TextEscaping.visible(value))' "
            + "(written by a newer upscale-batch, or edited by hand): upgrade upscale-batch, or fix the row"
    }

    /// `row[column]` as `T`, or this error.
    static func decode<T: RawRepresentable<String>>(
        _ type: T.Type, _ row: Row, _ column: String, jobID: Int64? = nil
    ) throws(UnknownStoredValue) -> T {
        let text: String = row[column]
        guard let value = T(rawValue: text) else { throw UnknownStoredValue(column: column, value: text, jobID: jobID) }
        return value
    }
}
