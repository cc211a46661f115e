import Foundation
import TestSupport
import Testing

/// The README promises that no test can hang the suite: every suite carries `.bounded` (the
/// per-test backstop of TestSupport). A suite added without it fails here, naming its file.
@Suite(.bounded) struct EverySuiteIsBoundedTests {
    @Test func everySuiteInTheTestsCarriesTheBound() throws {
        let tests = BuiltBinary.packageRoot + "/Tests"
        let files = try #require(FileManager.default.enumerator(atPath: tests)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.hasPrefix("TestSupport/") }
        #expect(files.count > 50, "the test sources were found: \(files.count)")
        var suites = 0
        for file in files {
            let text = try String(contentsOfFile: tests + "/" + file, encoding: .utf8)
            var rest = text[...]
            while let start = rest.range(of: "\n@Suite") {
                let end = rest[start.upperBound...].range(of: "struct ")?.lowerBound ?? rest.endIndex
                // The attribute without its string literals: `.bounded` inside a message is no bound.
                let attribute = String(rest[start.lowerBound..<end]).replacing(/"[^"\n]*"/, with: "\"\"")
                #expect(attribute.contains(".bounded"), "\(file): a suite without .bounded: \(attribute)")
                suites += 1
                rest = rest[end...]
            }
        }
        #expect(suites > 50, "suites found: \(suites)")
    }
}
