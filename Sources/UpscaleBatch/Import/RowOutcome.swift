/// What `RowValidator` made of one record.
public enum RowOutcome: Sendable, Equatable {
    /// A job to store: the URL exactly as written (trimmed), as UTF-8 bytes, and its mode.
    case job(url: ArraySlice<UInt8>, mode: Mode)
    /// Every field blank (an Excel `,,` line): skipped silently, like a blank line.
    case blank
    /// Not importable, with a short reason for `FILE:LINE: reason`.
    case rejected(reason: String)
}
