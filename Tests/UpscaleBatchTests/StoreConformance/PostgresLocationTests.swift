import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Reading a `postgres://` URL as libpq does, and where the password comes from. No server.
@Suite(.bounded) struct PostgresLocationTests {
    @Test func aFullURLIsReadAndShownWithoutItsPassword() throws {
        let location = try PostgresLocation(
            parsing: "postgresql://batch:s3cret@db.internal:6543/upscale?sslmode=require&pool_max=9", environment: [:],
            loginName: "me")
        #expect(location.user == "batch")
        #expect(location.host == "db.internal")
        #expect(location.port == 6543)
        #expect(location.database == "upscale")
        #expect(location.sslMode == .require)
        #expect(location.poolMax == 9)
        #expect(location.urlPassword == "s3cret")
        #expect(location.displayName == "postgres://batch@db.internal:6543/upscale")
        #expect(!location.displayName.contains("s3cret"))
        #expect(location.endpoint == "db.internal:6543")
    }

    @Test func whatTheURLLeavesOutComesFromLibpqsVariablesThenItsDefaults() throws {
        let environment = ["PGUSER": "envuser", "PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/ca.pem"]
        let location = try PostgresLocation(parsing: "postgres://db.internal", environment: environment, loginName: "me")
        #expect(location.user == "envuser")
        #expect(location.database == "envuser")
        #expect(location.port == 5432)
        #expect(location.sslMode == .verifyFull)
        #expect(location.sslRootCert == "/etc/ca.pem")
        #expect(location.poolMax == PostgresLocation.defaultPoolMax)
        let bare = try PostgresLocation(parsing: "postgres:///jobs", environment: [:], loginName: "me")
        #expect(bare.user == "me")
        #expect(bare.host == "localhost")
        #expect(bare.sslMode == .prefer)
        #expect(bare.database == "jobs")
    }

    @Test func aSocketDirectoryIsAHostParameter() throws {
        let location = try PostgresLocation(
            parsing: "postgres://ops@/jobs?host=/run/postgresql", environment: [:], loginName: "me")
        #expect(location.socketDirectory == "/run/postgresql")
        #expect(location.host == nil)
        #expect(location.endpoint == "/run/postgresql/.s.PGSQL.5432")
        #expect(location.passwordFileHost == "localhost")
    }

    @Test func badValuesAreRefusedWithTheirName() {
        for (url, word) in [
            ("postgres://h/db?sslmode=allow", "sslmode"), ("postgres://h/db?pool_max=0", "pool_max"),
            ("postgres://h:99999/db", "port"), ("postgres://h/db?colour=blue", "colour"),
            ("postgres://h/db?host=relative", "host"),
        ] {
            #expect {
                _ = try PostgresLocation(parsing: url, environment: [:], loginName: "me")
            } throws: { error in
                guard case .invalidLocation(let detail) = error as? StoreError else { return false }
                return detail.contains(word)
            }
        }
    }

    @Test func aPasswordInTheURLIsDetected() {
        #expect(PostgresLocation.urlHoldsPassword("postgres://u:p@h/db"))
        #expect(PostgresLocation.urlHoldsPassword("postgres://u@h/db?password=p"))
        #expect(!PostgresLocation.urlHoldsPassword("postgres://u@h/db"))
        #expect(!PostgresLocation.redacted("postgres://u:hunter2@h/db").contains("hunter2"))
    }

    @Test func passwordSourcesInLibpqsOrderAndThePasswordFilesMode() throws {
        let dir = TemporaryDirectory()
        let location = try PostgresLocation(parsing: "postgres://u@h:5433/db", environment: [:], loginName: "me")
        #expect(
            try PostgresPassword.resolve(for: location, environment: ["PGPASSWORD": "fromenv", "HOME": dir.path]) == "fromenv")

        let file = dir.path + "/pw"
        try "fromfile\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        #expect(throws: StoreError.self) {
            try PostgresPassword.resolve(for: location, environment: ["UPSCALE_DB_PASSWORD_FILE": file])
        }
        chmod(file, 0o600)
        #expect(try PostgresPassword.resolve(for: location, environment: ["UPSCALE_DB_PASSWORD_FILE": file]) == "fromfile")
        #expect(throws: StoreError.self) {
            try PostgresPassword.resolve(for: location, environment: ["UPSCALE_DB_PASSWORD_FILE": file, "PGPASSWORD": "x"])
        }

        let pgpass = dir.path + "/.pgpass"
        try "# comment\nother:*:*:*:wrong\nh:5433:db:u:pass\\:word\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        chmod(pgpass, 0o600)
        #expect(try PostgresPassword.resolve(for: location, environment: ["HOME": dir.path]) == "pass:word")
        chmod(pgpass, 0o644)
        #expect(try PostgresPassword.resolve(for: location, environment: ["HOME": dir.path]) == nil)

        let withURLPassword = try PostgresLocation(parsing: "postgres://u:inurl@h/db", environment: [:], loginName: "me")
        #expect(try PostgresPassword.resolve(for: withURLPassword, environment: ["PGPASSWORD": "x"]) == "inurl")
    }
}
