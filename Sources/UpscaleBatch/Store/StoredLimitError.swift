/// A meta row of the limits that holds no limit. Each engine turns it into its `StoreError`
/// with the store's name.
struct StoredLimitError: Error, Sendable {
    var key: String
    var value: String
    var expected: String

    var detail: String {
        "its meta row \(key) holds '\(TextEscaping.visible(value))', not \(expected) (written by a newer "
            + "upscale-batch, or edited by hand): upgrade upscale-batch, or set the limit again"
    }
}
