import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// `report --format html` and `--out`: the page a person opens, checked by parsers we did not
/// write (Python's XML and HTML parsers) against `report --format json`.
@Suite(.serialized, .bounded) struct ReportPageEndToEndTests {
    static let hostileBatch = #"<script>alert("x")</script> & 'night' <img src=http://evil.example/x.png>"#

    @Test(.enabled(if: PythonHelper.python != nil, "needs python3"))
    func thePageIsWellFormedSelfContainedEscapedAndAddsUpToTheJSONReport() async throws {
        let fixture = try await EndToEndFixture { config in
            config.failURLSubstring = "fail"
        }
        defer { Task { await fixture.shutdown() } }
        let csv =
            "url,mode\n" + (0..<6).map { "https://img.example/a\($0).jpg,fast" }.joined(separator: "\n") + "\n"
            + "https://img.example/fail-1.jpg,professional\nhttps://img.example/b1.jpg,professional\n"
        let path = fixture.directory + "/hostile.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let imported = try await fixture.binary.run(["import", path, "--batch", Self.hostileBatch])
        #expect(imported.code == 0, "\(imported.stderr)")
        try await fixture.importJobs(3, prefix: "other")
        let run = try await fixture.run(["--poll-only"])
        #expect(run.code == 1, "one job fails by design: \(run.stderr)")

        for grouping in ["batch", "mode", "day", "state"] {
            let page = fixture.directory + "/report-\(grouping).html"
            let written = try await fixture.binary.run(["report", "--by", grouping, "--format", "html", "--out", page])
            #expect(written.code == 0 && written.stdout.isEmpty, "--out writes the file, not standard output: \(written)")
            let json = try await fixture.binary.run(["report", "--by", grouping, "--format", "json"])
            let expected = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])

            let parsed = try await PythonHelper.run(Self.pageReader, [page], in: fixture.directory)
            let found = try #require(try JSONSerialization.jsonObject(with: Data(parsed.utf8)) as? [String: Any])
            #expect(found["external"] as? [String] == [], "no reference outside the page: \(found["external"] ?? "")")
            #expect(found["scripts"] as? Int == 0, "no script element")
            #expect((found["svg_rects"] as? Int ?? 0) > 0, "the chart has bars")
            let totals = found["totals"] as? [String: Int] ?? [:]
            for field in ["jobs", "total_cost", "completed_cost", "failed_cost", "duplicate_cost"] {
                #expect(totals[field] == expected[field] as? Int, "\(grouping) \(field): page \(totals), json \(expected)")
            }
            let groups = found["groups"] as? [[String: String]] ?? []
            let expectedGroups = expected["groups"] as? [[String: Any]] ?? []
            #expect(groups.count == expectedGroups.count, "\(grouping): \(groups) vs \(expectedGroups)")
            for (row, want) in zip(groups, expectedGroups) {
                #expect(row["key"] == want["key"] as? String)
                for field in ["jobs", "completed", "failed", "cost", "completed_cost", "failed_cost", "duplicate_cost"] {
                    #expect(Int(row[field] ?? "") == want[field] as? Int, "\(grouping) \(row["key"] ?? "") \(field)")
                }
            }
            if grouping == "batch" {
                #expect(groups.contains { $0["key"] == Self.hostileBatch }, "the hostile name reads back as text: \(groups)")
                let html = try String(contentsOfFile: page, encoding: .utf8)
                #expect(!html.contains("<script") && !html.contains("<img"), "the hostile name is escaped")
            }
        }

        // A batch filter names the batch in the title, escaped too; the chart has a failed segment.
        let page = fixture.directory + "/hostile.html"
        let written = try await fixture.binary.run(["report", "--batch", Self.hostileBatch, "--format", "html", "--out", page])
        #expect(written.code == 0, "\(written.stderr)")
        let parsed = try await PythonHelper.run(Self.pageReader, [page], in: fixture.directory)
        let found = try #require(try JSONSerialization.jsonObject(with: Data(parsed.utf8)) as? [String: Any])
        #expect((found["title"] as? String)?.hasSuffix(Self.hostileBatch) == true, "\(found["title"] ?? "")")
        #expect((found["hatched"] as? Int ?? 0) > 0, "a failed job's quoted cost shows as a hatched segment")
    }

    @Test func outReplacesAFileAtomicallyAndAMissingDirectoryIsExit2() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(2)
        let target = fixture.directory + "/report.csv"
        try "old contents\n".write(toFile: target, atomically: true, encoding: .utf8)
        for format in ["table", "csv", "json", "html"] {
            let result = try await fixture.binary.run(["report", "--format", format, "--out", target])
            #expect(result.code == 0 && result.stdout.isEmpty, "\(format): \(result)")
            let stdout = try await fixture.binary.run(["report", "--format", format])
            let file = try String(contentsOfFile: target, encoding: .utf8)
            if format == "html" {
                #expect(file.hasPrefix("<!DOCTYPE html>"))
            } else {
                #expect(file == stdout.stdout, "\(format): the file holds what standard output would")
            }
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).filter { $0.contains(".tmp.") }
        #expect(leftovers.isEmpty, "no temporary file left behind: \(leftovers)")
        let missing = try await fixture.binary.run(["report", "--out", fixture.directory + "/no/such/dir/report.txt"])
        #expect(missing.code == 2 && missing.stderr.contains("cannot write"), "\(missing)")
    }

    /// Reads the page with xml.etree (well-formedness: it fails on any unbalanced or unescaped
    /// markup) and html.parser, and prints what a person would read: totals, rows, title.
    static let pageReader = #"""
        import json, re, sys
        import xml.etree.ElementTree as ET
        from html.parser import HTMLParser

        text = open(sys.argv[1], encoding="utf-8").read()
        ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE html>") else text)

        class Reader(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.stack, self.totals, self.groups, self.external = [], {}, [], []
                self.scripts, self.svg_rects, self.hatched, self.title = 0, 0, 0, ""
                self.field, self.row = None, None
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                self.stack.append(tag)
                if tag == "script": self.scripts += 1
                for name in ("src", "href", "xlink:href", "action", "data"):
                    value = a.get(name) or ""
                    if value and not value.startswith("#"): self.external.append(f"{tag} {name}={value}")
                if "style" in a and re.search(r"url\((?!#)", a["style"]): self.external.append(a["style"])
                if tag == "rect" and "fill" in a:
                    if a["fill"].startswith("url(#failed"): self.hatched += 1
                    if "x" in a: self.svg_rects += 1
                if tag == "tr" and "data-key" in a: self.row = {}
                self.field = a.get("data-field")
            def handle_endtag(self, tag):
                while self.stack and self.stack.pop() != tag: pass
                if tag == "tr" and self.row is not None:
                    self.groups.append(self.row)
                    self.row = None
                self.field = None
            def handle_data(self, data):
                if self.stack and self.stack[-1] == "title" and "svg" not in self.stack: self.title += data
                if self.stack and self.stack[-1] == "style":
                    if re.search(r"url\((?!#)|@import", data): self.external.append("css: " + data[:80])
                if self.field is None: return
                if self.row is not None: self.row[self.field] = self.row.get(self.field, "") + data
                elif "section" in self.stack: self.totals[self.field] = int(data)

        reader = Reader()
        reader.feed(text)
        reader.close()
        print(json.dumps({"totals": reader.totals, "groups": reader.groups, "external": reader.external,
                          "scripts": reader.scripts, "svg_rects": reader.svg_rects, "hatched": reader.hatched,
                          "title": reader.title}))
        """#
}
