/// The PostgreSQL engine speaks the store contract: every method is in a
/// `PostgresJobStore+Feature.swift` file beside this one, named as on the SQLite engine.
extension PostgresJobStore: JobStore {}
