import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite("Result file names", .bounded)
struct ResultFileNameTests {
    static let hostile = [
        "https://img.example/../../etc/passwd",
        "https://img.example/a/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "https://img.example/%2e%2e",
        "https://img.example/..%5C..%5Cwindows%5Cwin.ini",
        "https://img.example//etc/passwd",
        "https://img.example/a%00b.jpg",
        "https://img.example/.htaccess",
        "https://img.example/...",
        "https://img.example",
        "https://img.example/",
        "https://img.example/photo.jpg?x=../../y#../z",
        "https://img.example/caf%C3%A9%20cr%C3%A8me.jpg",
        "https://img.example/%E6%97%A5%E6%9C%AC.png",
        "https://img.example/" + String(repeating: "a", count: 5000) + ".jpg",
        "https://img.example/" + String(repeating: "%2F", count: 300),
        "not a url at all/../..",
    ]

    @Test("traversal, plain or percent-encoded, keeps only the last segment")
    func traversal() {
        #expect(ResultFileName.base(of: "https://img.example/../../etc/passwd") == "passwd")
        #expect(ResultFileName.base(of: "https://img.example/a/%2e%2e%2f%2e%2e%2fetc%2fpasswd") == "passwd")
        #expect(ResultFileName.base(of: "https://img.example/..%5C..%5Cwindows%5Cwin.ini") == "win")
        #expect(ResultFileName.base(of: "https://img.example/%2e%2e") == "image")
        #expect(ResultFileName.stem(jobID: 7, sourceURL: "https://img.example/../../etc/passwd") == "7-passwd")
    }

    @Test("no file name, query strings and fragments")
    func missingNamesAndQueries() {
        #expect(ResultFileName.base(of: "https://img.example") == "image")
        #expect(ResultFileName.base(of: "https://img.example/") == "image")
        #expect(ResultFileName.base(of: "https://img.example/photo.jpg?x=../../y#../z") == "photo")
        #expect(ResultFileName.base(of: "https://img.example/get?file=a.png") == "get")
        #expect(ResultFileName.base(of: "https://img.example/archive.tar.gz") == "archive.tar")
    }

    @Test("unicode, NUL, dot files and long names")
    func oddCharacters() {
        #expect(ResultFileName.base(of: "https://img.example/caf%C3%A9%20cr%C3%A8me.jpg") == "cafe_creme")
        #expect(ResultFileName.base(of: "https://img.example/%E6%97%A5%E6%9C%AC.png") == "image")
        #expect(ResultFileName.base(of: "https://img.example/a%00b.jpg") == "a_b")
        #expect(ResultFileName.base(of: "https://img.example/.htaccess") == "htaccess")
        let long = ResultFileName.base(of: "https://img.example/" + String(repeating: "a", count: 5000) + ".jpg")
        #expect(long.count == ResultFileName.maxBaseLength)
    }

    @Test("every hostile name is one safe component inside the output directory", arguments: hostile)
    func alwaysSafe(url: String) {
        // The name `ResultFetch` keeps a download under: the stem plus the image's extension.
        let name = ResultFileName.stem(jobID: 42, sourceURL: url) + "." + ImageKind.png.fileExtension
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        #expect(name.allSatisfy { allowed.contains($0) })
        #expect(name.hasPrefix("42-"))
        #expect(!name.contains(".."))
        #expect(name.utf8.count <= 100)
        let directory = "/tmp/out"
        let resolved = URL(fileURLWithPath: directory).appendingPathComponent(name).standardizedFileURL.path
        #expect((resolved as NSString).deletingLastPathComponent == directory)
        #expect(ResultFileName.partialName(stem: ResultFileName.stem(jobID: 42, sourceURL: url)).hasPrefix(".42-"))
    }

    @Test("image kinds from their magic bytes")
    func imageKinds() {
        #expect(ImageKind(leadingBytes: ResultTestSupport.pngBytes) == .png)
        #expect(ImageKind(leadingBytes: [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
        #expect(ImageKind(leadingBytes: Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageKind(leadingBytes: Array("GIF89a......".utf8)) == .gif)
        #expect(ImageKind(leadingBytes: Array("<!doctype html>".utf8)) == nil)
        #expect(ImageKind(leadingBytes: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8)) == nil)
        #expect(ImageKind(leadingBytes: [UInt8]()) == nil)
    }
}
