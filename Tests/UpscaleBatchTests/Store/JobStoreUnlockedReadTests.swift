import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

/// A store read without locks (read-only for the user, no `-shm` beside it: opened with
/// `immutable=1`) creates nothing beside the file, and a writer that changes the store while it
/// is read makes the read fail instead of returning what may be a torn read.
@Suite(.bounded) struct JobStoreUnlockedReadTests {
    @Test func anUnlockedReadCreatesNothingAndStopsWhenAWriterChangesTheStore() async throws {
        let dir = TemporaryDirectory()
        let path = dir.file("store.sqlite3")
        do {
            let store = try StoreFixtures.makeStore(in: dir)
            _ = try await StoreFixtures.insertJobs(store, count: 3)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["store.sqlite3"], "closed cleanly")

        let reader = try SQLiteJobStore(path: path, creating: false, mode: .unlocked)
        #expect(reader.isReadOnly)
        #expect(try await reader.statusSnapshot().counts[.pending] == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["store.sqlite3"], "no -wal or -shm made")

        let writer = try SQLiteJobStore.open(at: path)
        _ = try await StoreFixtures.insertJobs(writer, count: 1, urlPrefix: "https://img.example/later-")
        await #expect(throws: StoreError.changedWhileReading(path: path)) { try await reader.statusSnapshot() }
    }
}
