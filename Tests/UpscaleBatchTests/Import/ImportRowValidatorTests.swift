import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite("RowValidator", .bounded)
struct ImportRowValidatorTests {
    /// The outcome of one data row under `header`, as text: `url mode`, `blank` or `!reason`.
    func outcome(_ header: String, _ row: String, defaultMode: Mode = .fast) throws -> String {
        let results = try ImportTestSupport.readAll(header + "\n" + row + "\n")
        let records = results.compactMap { result -> CSVRecord? in
            if case .record(let record) = result { return record }
            return nil
        }
        let validator = try #require(RowValidator(header: records[0].strings, defaultMode: defaultMode))
        guard records.count > 1 else { return "blank" }
        switch validator.validate(records[1]) {
        case .job(let url, let mode): return "\(String(decoding: url, as: UTF8.self)) \(mode.rawValue)"
        case .blank: return "blank"
        case .rejected(let reason): return "!" + reason
        }
    }

    @Test("header names match case-insensitively after trimming; url wins over img_url")
    func headerColumns() throws {
        let both = try #require(RowValidator(header: ["IMG_URL", " Url ", "MODE"], defaultMode: .fast))
        #expect(both.urlColumn == 1 && both.modeColumn == 2)
        let imgOnly = try #require(RowValidator(header: ["id", "img_url"], defaultMode: .fast))
        #expect(imgOnly.urlColumn == 1 && imgOnly.modeColumn == nil)
        #expect(RowValidator(header: ["link", "mode"], defaultMode: .fast) == nil)
        #expect(RowValidator(header: ["urls"], defaultMode: .fast) == nil)
    }

    @Test("the URL is kept exactly as written (query, fragment, case), only trimmed")
    func urlKept() throws {
        #expect(try outcome("url", "  https://Img.Example/A.JPG?w=1&h=2#frag\t") == "https://Img.Example/A.JPG?w=1&h=2#frag fast")
        #expect(try outcome("img_url", "HTTP://img.example:8080/a.jpg") == "HTTP://img.example:8080/a.jpg fast")
        #expect(try outcome("url", "https://user:pw@img.example/a") == "https://user:pw@img.example/a fast")
        #expect(try outcome("url", "http://[2001:db8::1]:80/a") == "http://[2001:db8::1]:80/a fast")
        #expect(try outcome("url", "https://bücher.example/ä.jpg") == "https://bücher.example/ä.jpg fast")
        #expect(try outcome("url", "https://img.example") == "https://img.example fast")
    }

    @Test("URLs that are not absolute http(s) URLs with a host are rejected with the reason")
    func badURLs() throws {
        #expect(try outcome("url", "ftp://img.example/a.jpg") == "!URL is not http(s): ftp://img.example/a.jpg")
        #expect(try outcome("url", "img.example/a.jpg") == "!URL is not an absolute http(s) URL: img.example/a.jpg")
        #expect(try outcome("url", "not a url") == "!URL is not an absolute http(s) URL: not a url")
        #expect(try outcome("url", "/images/a.jpg") == "!URL is not an absolute http(s) URL: /images/a.jpg")
        #expect(
            try outcome("url", "https:img.example/a") == "!URL is not absolute (expected https://host/...): https:img.example/a")
        #expect(try outcome("url", "https:///a.jpg") == "!URL has no host: https:///a.jpg")
        #expect(try outcome("url", "https://:443/a.jpg") == "!URL has an invalid host: https://:443/a.jpg")
        #expect(try outcome("url", "https://img.example:80x/a") == "!URL has an invalid host: https://img.example:80x/a")
        #expect(try outcome("url", "https://img ex.com/a") == "!URL contains whitespace: https://img ex.com/a")
        #expect(try outcome("url", "\"https://img.example/a b.jpg\"") == "!URL contains whitespace: https://img.example/a b.jpg")
        #expect(
            try outcome("url", "\"https://img.example/a\nb.jpg\"") == #"!URL contains whitespace: https://img.example/a\nb.jpg"#)
        #expect(
            try outcome("url", "https://img.example/a\u{00A0}b") == #"!URL contains whitespace: https://img.example/a\u{a0}b"#,
            "a no-break space is whitespace, and shown escaped: it looks like a space")
        #expect(
            try outcome("url", "https://img.example/a\u{200B}b")
                == #"!URL contains an invisible or control character: https://img.example/a\u{200b}b"#)
        #expect(
            try outcome("url", "https://img.example/a\u{01}b")
                == #"!URL contains a control character: https://img.example/a\u{1}b"#)
    }

    @Test("a URL of 2,048 bytes is accepted, 2,049 rejected, and the reason quotes about 100 characters")
    func urlLength() throws {
        let prefix = "https://img.example/"
        let longest = prefix + String(repeating: "a", count: 2048 - prefix.utf8.count)
        #expect(try outcome("url", longest) == longest + " fast")
        let tooLong = longest + "b"
        let reason = try outcome("url", tooLong)
        #expect(reason.hasPrefix("!URL is over 2,048 bytes (2049 bytes): https://img.example/aaa"))
        #expect(reason.hasSuffix("…"))
        #expect(reason.count < 160)
    }

    @Test("mode: case-insensitive, blank or missing falls back to the default, unknown rejected")
    func modes() throws {
        #expect(try outcome("url,mode", "https://a/1, Professional ") == "https://a/1 professional")
        #expect(try outcome("url,mode", "https://a/1,FAST", defaultMode: .professional) == "https://a/1 fast")
        #expect(try outcome("url,mode", "https://a/1,", defaultMode: .professional) == "https://a/1 professional")
        #expect(try outcome("url,mode", "https://a/1", defaultMode: .professional) == "https://a/1 professional")
        #expect(try outcome("url", "https://a/1", defaultMode: .professional) == "https://a/1 professional")
        #expect(try outcome("url,mode", "https://a/1,ultra") == "!unknown mode: ultra (use fast or professional)")
    }

    @Test("missing trailing fields are blank: too short for the url is 'no URL'; extra fields are ignored")
    func fieldCounts() throws {
        #expect(try outcome("mode,url", "fast") == "!no URL")
        #expect(try outcome("id,url", "7,") == "!no URL")
        #expect(try outcome("id,url", "7,  ") == "!no URL")
        #expect(try outcome("url", "https://a/1,extra,fields") == "https://a/1 fast")
    }

    @Test("a row whose fields are all blank (an Excel ',,' line) is skipped like a blank line")
    func blankRows() throws {
        #expect(try outcome("id,url,mode", ",,") == "blank")
        #expect(try outcome("id,url,mode", " , ,\t") == "blank")
        #expect(try outcome("id,url,mode", ",,fast") == "!no URL")
    }
}
