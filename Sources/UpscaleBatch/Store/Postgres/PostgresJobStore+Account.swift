import Crypto
import Foundation
import PostgresNIO

/// One account per store, as on SQLite (`SQLiteJobStore+Account`): a salted fingerprint of the
/// API key and base URL; the salt is the store's own, made on first use.
extension PostgresJobStore {
    public func webhookSecret() async throws(StoreError) -> String {
        try await read { [self] connection in
            for row in try await rows("SELECT value FROM meta WHERE key = 'webhook_secret'", on: connection) {
                return try row.decode(String.self)
            }
            return ""
        }
    }

    public func accountFingerprint(apiKey: String, baseURL: String) async throws(StoreError) -> String {
        let candidate = WebhookSecret.generate()
        let salt = try await write { [self] connection in
            // Two processes may make a salt at once: the first one stored wins for both.
            try await execute(
                "INSERT INTO meta (key, value) VALUES ('account_salt', \(candidate)) ON CONFLICT (key) DO NOTHING",
                on: connection)
            for row in try await rows("SELECT value FROM meta WHERE key = 'account_salt'", on: connection) {
                return try row.decode(String.self)
            }
            return candidate
        }
        let digest = SHA256.hash(data: Data((salt + "\n" + apiKey + "\n" + baseURL).utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    public func jobsInFlightOfAnotherAccount(_ fingerprint: String) async throws(StoreError) -> Int {
        try await read { [self] connection in
            let found = try await rows(
                """
                SELECT count(*) FROM jobs
                WHERE account IS NOT NULL AND account != \(fingerprint) AND state NOT IN \(unescaped: PGSQL.finalStates)
                  AND (request_id IS NOT NULL OR submitting)
                """, on: connection)
            return try found.first?.decode(Int.self) ?? 0
        }
    }
}
