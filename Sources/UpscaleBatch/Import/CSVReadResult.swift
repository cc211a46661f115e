/// What `CSVReader.next()` yields: a record, or a record it had to reject (and why).
public enum CSVReadResult: Sendable, Equatable {
    case record(CSVRecord)
    case rejected(RejectedRow)
}
