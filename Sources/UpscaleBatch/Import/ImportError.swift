/// Why an import could not run at all (exit 2 at the command line), naming the file.
///
/// Bad rows are not errors: they are `RejectedRow`s and the import goes on. These are the
/// cases where nothing sensible can be imported, so the whole import stores nothing.
public enum ImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened (missing, a permission problem).
    case cannotOpen(file: String, reason: String)
    /// Reading the file failed part-way (a directory, an I/O error); nothing was imported.
    case unreadable(file: String, reason: String)
    /// No header row: the file is empty or holds only blank lines.
    case empty(file: String)
    /// The header row itself is unusable (not UTF-8, an unterminated quote, ...).
    case badHeader(file: String, line: Int, reason: String)
    /// The header has neither `url` nor `img_url`.
    case noURLColumn(file: String, header: [String])
    /// The rows of a slow input could not be kept aside until it ended (TMPDIR full or missing).
    case staging(reason: String)
    /// The import was stopped before its input ended (its task was cancelled); nothing was
    /// imported.
    case stopped(file: String)
    /// The job store failed (its message says what to do; `busy` means try again later).
    case store(StoreError)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            "cannot read \(shown(file)): \(reason)"
        case .unreadable(let file, let reason):
            "cannot read \(shown(file)): \(reason); nothing was imported"
        case .empty(let file):
            "\(shown(file)) is empty: expected a header row naming a url (or img_url) column"
        case .badHeader(let file, let line, let reason):
            "\(shown(file)):\(line): header row unusable: \(reason)"
        case .noURLColumn(let file, let header):
            "\(shown(file)) has no url column (header: \(Self.describe(header))): name the column of image URLs url or img_url"
        case .staging(let reason):
            "\(reason) (set TMPDIR to a directory with room); nothing was imported"
        case .stopped(let file):
            "the import of \(shown(file)) was stopped before its end; nothing was imported"
        case .store(let error):
            error.description
        }
    }

    /// File names and header cells are the user's text: shown with invisible characters escaped.
    private func shown(_ file: String) -> String { TextEscaping.visible(file) }

    private static func describe(_ header: [String]) -> String {
        let names = header.prefix(10).map { TextEscaping.visible($0.count > 40 ? String($0.prefix(40)) + "…" : $0) }
        return names.joined(separator: ", ") + (header.count > 10 ? ", …" : "")
    }
}
