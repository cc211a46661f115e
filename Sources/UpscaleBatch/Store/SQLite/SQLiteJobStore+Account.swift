import Crypto
import Foundation
import GRDB

/// One account per store: every submission records a salted fingerprint of the API key and
/// the base URL it was sent with, and a run whose key or base URL differs from the one the
/// store's jobs in flight were submitted with is refused before it sends anything, instead of
/// polling those jobs into 401s (another key) or 404s (another API).
///
/// The salt is the store's own (random, in `meta`), so the fingerprint says nothing about the
/// key to anyone who reads the store, and the same key gives other fingerprints in other stores.
extension SQLiteJobStore {
    /// The fingerprint of `apiKey` at `baseURL` in this store: 16 bytes of SHA-256 over the
    /// store's salt, the key and the base URL, in hex. Makes the salt on first use.
    public func accountFingerprint(apiKey: String, baseURL: String) async throws(StoreError) -> String {
        let salt = try await write { db -> String in
            if let salt = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'account_salt'") {
                return salt
            }
            let salt = WebhookSecret.generate()
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('account_salt', ?)", arguments: [salt])
            return salt
        }
        let digest = SHA256.hash(data: Data((salt + "\n" + apiKey + "\n" + baseURL).utf8))
        return digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// How many jobs in flight or in doubt were submitted under another account than
    /// `fingerprint` (jobs submitted before fingerprints were recorded count as any account).
    public func jobsInFlightOfAnotherAccount(_ fingerprint: String) async throws(StoreError) -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM jobs
                    WHERE account IS NOT NULL AND account != ? AND state NOT IN \(StoreSQL.finalStates)
                      AND (request_id IS NOT NULL OR submitting = 1)
                    """, arguments: [fingerprint]) ?? 0
        }
    }
}
