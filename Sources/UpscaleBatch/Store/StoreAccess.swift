/// What a command will do with the store: a command that only reads works on a store the user
/// may only read (a SQLite file without write permission; a PostgreSQL role without it).
public enum StoreAccess: Sendable {
    case read, write
}
