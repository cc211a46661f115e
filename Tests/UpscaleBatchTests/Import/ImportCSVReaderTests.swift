import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite("CSVReader", .bounded)
struct ImportCSVReaderTests {
    typealias S = ImportTestSupport

    @Test("RFC 4180: quoted fields, commas and doubled quotes inside quotes, empty fields")
    func rfc4180Fields() throws {
        let results = try S.readAll("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\n,\"\",z\n")
        #expect(
            S.summarize(results) == [
                #"1: ["a", "b", "c"]"#,
                #"2: ["x,y", "say \"hi\"", ""]"#,
                #"3: ["", "", "z"]"#,
            ])
    }

    @Test("line breaks inside quotes: the record keeps them and reports the line it starts on")
    func newlinesInsideQuotes() throws {
        let results = try S.readAll("a,b\n\"one\ntwo\nthree\",x\nlast,y\n")
        #expect(
            S.summarize(results) == [
                #"1: ["a", "b"]"#,
                #"2: ["one\ntwo\nthree", "x"]"#,
                #"5: ["last", "y"]"#,
            ])
    }

    @Test("CRLF line endings, CRLF inside quotes kept, and a bare CR ends a line")
    func crlf() throws {
        let results = try S.readAll("a,b\r\n\"1\r\n2\",3\r\n4,5\r6,7\r\n")
        #expect(
            S.summarize(results) == [
                #"1: ["a", "b"]"#,
                #"2: ["1\r\n2", "3"]"#,
                #"4: ["4", "5"]"#,
                #"5: ["6", "7"]"#,
            ])
    }

    @Test("a UTF-8 byte order mark is skipped, not glued to the first header name")
    func byteOrderMark() throws {
        let results = try S.readAll([0xEF, 0xBB, 0xBF] + Array("url\nhttps://a/\n".utf8), chunkSize: 4)
        #expect(S.fields(results) == [["url"], ["https://a/"]])
    }

    @Test("a file of only a BOM, or nothing at all, has no records")
    func emptyInputs() throws {
        #expect(try S.readAll([0xEF, 0xBB, 0xBF]).isEmpty)
        #expect(try S.readAll([]).isEmpty)
        #expect(try S.readAll("\n\r\n\n").isEmpty)
    }

    @Test("blank lines are skipped wherever they are, and line numbers still count them")
    func blankLines() throws {
        let results = try S.readAll("\n\na,b\n\n1,2\r\n\r\n\r\n3,4\n\n")
        #expect(
            S.summarize(results) == [
                #"3: ["a", "b"]"#,
                #"5: ["1", "2"]"#,
                #"8: ["3", "4"]"#,
            ])
    }

    @Test("a last record without a line break is read, also when it ends in a quote or a comma")
    func noFinalNewline() throws {
        #expect(S.fields(try S.readAll("a,b\n1,2")) == [["a", "b"], ["1", "2"]])
        #expect(S.fields(try S.readAll("a,b\n1,\"2\"")) == [["a", "b"], ["1", "2"]])
        #expect(S.fields(try S.readAll("a,b\n1,")) == [["a", "b"], ["1", ""]])
    }

    @Test("lenient: a quote inside an unquoted field, and text after a closing quote, are kept")
    func lenientQuotes() throws {
        let results = try S.readAll("a,b\n37'37.8\"N,x\n\"ab\"cd,y\n")
        #expect(S.fields(results) == [["a", "b"], ["37'37.8\"N", "x"], ["abcd", "y"]])
    }

    @Test("every chunk size gives the same records: fields, quotes, CRLF and BOM across boundaries")
    func chunkBoundaries() throws {
        let text =
            "\u{FEFF}url,mode,note\r\nhttps://img.example/a.jpg?x=1&y=2,fast,\"multi\r\nline, \"\"quoted\"\"\"\r\n\r\n"
            + "https://img.example/b.jpg,PROFESSIONAL,ʤ unicode ʤ\nlast,\"\",\"\"\"\"\n"
        let expected = S.summarize(try S.readAll(text))
        #expect(expected.count == 4)
        for chunkSize in 4...40 {
            #expect(S.summarize(try S.readAll(text, chunkSize: chunkSize)) == expected, "chunk size \(chunkSize)")
        }
    }

    @Test("an unterminated quote rejects the record that opened it and ends the file there")
    func unterminatedQuote() throws {
        let results = try S.readAll("url\nhttps://a/1\n\"https://a/2\nhttps://a/3\nhttps://a/4\n", chunkSize: 5)
        #expect(
            S.summarize(results) == [
                #"1: ["url"]"#,
                #"2: ["https://a/1"]"#,
                "3: !unterminated quote: the rest of the file was not read",
            ])
    }

    @Test("invalid UTF-8 rejects only its own record")
    func invalidUTF8() throws {
        let bytes = Array("url\nhttps://a/1\n".utf8) + [0x68, 0xC3, 0x28, 0x0A] + Array("https://a/2\n\"x\u{2A4}\"\n".utf8)
        let results = try S.readAll(bytes)
        #expect(
            S.summarize(results) == [
                #"1: ["url"]"#,
                #"2: ["https://a/1"]"#,
                "3: !not valid UTF-8",
                #"4: ["https://a/2"]"#,
                #"5: ["xʤ"]"#,
            ])
    }

    @Test("a multi-byte character split between two fields is not valid UTF-8")
    func utf8SplitAcrossFields() throws {
        let bytes: [UInt8] = Array("a,b\n".utf8) + [0xC3, 0x2C, 0xA9, 0x0A]
        #expect(S.summarize(try S.readAll(bytes)) == [#"1: ["a", "b"]"#, "2: !not valid UTF-8"])
    }

    @Test("a 10 MB field is rejected (quoted or not) and the records after it are read")
    func hugeField() throws {
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024)
        let bytes =
            Array("url,note\nhttps://a/1,ok\n".utf8) + Array("https://a/2,".utf8) + huge
            + Array("\n\"https://a/3\",\"".utf8) + huge + Array("\nstill inside\"\nhttps://a/4,ok\n".utf8)
        let results = try S.readAll(bytes)
        #expect(
            S.summarize(results) == [
                #"1: ["url", "note"]"#,
                #"2: ["https://a/1", "ok"]"#,
                "3: !field over 64 KiB",
                "4: !field over 64 KiB",
                #"6: ["https://a/4", "ok"]"#,
            ])
    }

    @Test("a field of exactly the limit is kept; one byte more is rejected")
    func fieldLimitEdge() throws {
        let atLimit = String(repeating: "y", count: 100)
        let results = try S.readAll(Array("a\n\(atLimit)\n\(atLimit)y\nz\n".utf8), chunkSize: 7, maxFieldBytes: 100)
        #expect(S.summarize(results) == [#"1: ["a"]"#, "2: [\"\(atLimit)\"]", "3: !field over 100 bytes", #"4: ["z"]"#])
    }

    @Test("many fields below the field limit still cannot make a record grow past 1 MiB")
    func recordLimit() throws {
        let field = String(repeating: "f", count: 60 * 1024)
        let wide = Array(repeating: field, count: 20).joined(separator: ",")
        let results = try S.readAll(Array("a\n\(wide)\nnext\n".utf8))
        #expect(S.summarize(results) == [#"1: ["a"]"#, "2: !record over 1 MiB", #"3: ["next"]"#])
    }

    @Test("a read failure (a directory) is an error, not an empty file")
    func readFailure() throws {
        let directory = TemporaryDirectory()
        #expect(throws: CSVReaderError.readFailed(errno: EISDIR)) {
            _ = try S.readAll(path: directory.path)
        }
    }
}
