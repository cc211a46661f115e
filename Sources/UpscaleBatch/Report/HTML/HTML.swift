/// A small typed HTML (and inline SVG) builder for the cost page.
///
/// Why a builder and not strings: batch names and URLs come from users' CSV files, so every
/// piece of text and every attribute value must be escaped, and the only way to get markup
/// through unescaped is `trusted(_:)`, which takes a `StaticString`: text written in this
/// source code, never anything read from the store. The output is also well-formed XML (void
/// elements self-closed, attributes always quoted), so tests can check it with an XML parser.
public indirect enum HTML: Sendable {
    /// An element with attributes (in order) and children.
    case element(name: StaticString, attributes: [Attribute], children: [HTML])
    /// Text: escaped when rendered.
    case text(String)
    /// Markup written in this source code (the page's CSS): rendered as is.
    case trusted(StaticString)
    /// Several nodes side by side.
    case fragment([HTML])

    /// One attribute: its name comes from this source code, its value is escaped.
    public struct Attribute: Sendable {
        public var name: StaticString
        public var value: String

        public init(_ name: StaticString, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Elements HTML never closes: rendered `<br/>`, valid both as HTML5 and as XML.
    static let voidElements: Set<String> = ["meta", "br", "hr", "img", "link", "col", "wbr", "input"]

    /// Builds an element: `HTML.el("td", ["class": "num"], .text("12"))`.
    public static func el(_ name: StaticString, _ attributes: KeyValuePairs<StaticString, String>, _ children: HTML...) -> HTML {
        el(name, attributes, children: children)
    }

    /// Builds an element without attributes: `HTML.el("h1", .text("Cost report"))`.
    public static func el(_ name: StaticString, _ children: HTML...) -> HTML {
        el(name, [:], children: children)
    }

    /// Builds an element from a list of children.
    public static func el(_ name: StaticString, _ attributes: KeyValuePairs<StaticString, String> = [:], children: [HTML])
        -> HTML
    {
        .element(name: name, attributes: attributes.map { Attribute($0.key, $0.value) }, children: children)
    }

    /// The markup, with `<!DOCTYPE html>` when this is a whole document.
    public func render(document: Bool = false) -> String {
        var out = document ? "<!DOCTYPE html>\n" : ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .text(let text):
            out += HTML.escape(text)
        case .trusted(let markup):
            out += markup.description
        case .fragment(let nodes):
            for node in nodes { node.write(into: &out) }
        case .element(let name, let attributes, let children):
            let tag = name.description
            out += "<" + tag
            for attribute in attributes {
                out += " " + attribute.name.description + "=\"" + HTML.escape(attribute.value) + "\""
            }
            if children.isEmpty && HTML.voidElements.contains(tag) {
                out += "/>"
                return
            }
            out += ">"
            for child in children { child.write(into: &out) }
            out += "</" + tag + ">"
        }
    }

    /// Escapes text and attribute values: `&`, `<`, `>`, `"` and `'`. Control characters other
    /// than tab, LF and CR are dropped (XML forbids them and they have no business on a page).
    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): continue
            case _ where scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
