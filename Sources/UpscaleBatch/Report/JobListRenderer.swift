/// Renders `list` one job at a time, so output streams in flat memory.
public struct JobListRenderer {
    public let format: OutputFormat
    private var count = 0

    /// The field names scripts rely on, in order; the CSV header and the JSON keys.
    public static let fields = [
        "id", "batch", "url", "mode", "state", "request_id", "cost", "result_url", "error", "possible_duplicate",
    ]

    public init(format: OutputFormat) { self.format = format }

    /// Written before the first job.
    public func begin(into sink: inout some TextSink) {
        switch format {
        case .csv: sink.write(Self.fields.joined(separator: ",") + "\n")
        case .json: sink.write("[")
        case .table: sink.write(Self.fields.joined(separator: "\t") + "\n")
        }
    }

    public mutating func write(_ job: Job, into sink: inout some TextSink) {
        switch format {
        case .json:
            sink.write((count == 0 ? "\n" : ",\n") + Self.json(job))
        case .csv:
            sink.write(Self.values(job).map(TextEscaping.csv).joined(separator: ",") + "\n")
        case .table:
            // Tab-separated: readable in a terminal, and `cut -f` works on it. Tabs, line breaks and
            // other invisible characters are escaped, so each job stays one line of its columns.
            sink.write(Self.values(job).map { $0.isEmpty ? "-" : TextEscaping.visible($0) }.joined(separator: "\t") + "\n")
        }
        count += 1
    }

    /// Written after the last job.
    public func end(into sink: inout some TextSink) {
        if format == .json { sink.write(count == 0 ? "]\n" : "\n]\n") }
    }

    static func values(_ job: Job) -> [String] {
        [
            String(job.id), job.batch, job.url, job.mode.rawValue, job.state.rawValue, job.requestID ?? "",
            job.cost.map(String.init) ?? "", job.resultURL ?? "", job.error ?? "", job.possibleDuplicate ? "true" : "false",
        ]
    }

    static func json(_ job: Job) -> String {
        """
        {"id": \(job.id), "batch": \(TextEscaping.json(job.batch)), "url": \(TextEscaping.json(job.url)), \
        "mode": "\(job.mode.rawValue)", "state": "\(job.state.rawValue)", "request_id": \(TextEscaping.json(job.requestID)), \
        "cost": \(TextEscaping.json(job.cost)), "result_url": \(TextEscaping.json(job.resultURL)), \
        "error": \(TextEscaping.json(job.error)), "possible_duplicate": \(job.possibleDuplicate)}
        """
    }
}
