/// The output formats of the read commands: a table for people, CSV and JSON for programs.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, json
}

/// Where renderers write. Streaming renderers call `write` many times; the sink buffers.
public protocol TextSink {
    mutating func write(_ text: String)
}

/// Collects output in memory (tests, small outputs).
public struct StringSink: TextSink {
    public var text = ""
    public init() {}
    public mutating func write(_ text: String) { self.text += text }
}
