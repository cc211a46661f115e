/// What an API key must look like to travel in the `x-api-key` header: printable ASCII without
/// spaces (bytes 0x21 to 0x7E).
///
/// Checked before any request, so a key with a stray line break or a pasted non-breaking space
/// stops at the door with a message that says what and where, instead of being refused by the
/// HTTP client on every attempt. A violation names the kind of character and its position,
/// never the key's own characters.
public enum APIKeyRule {
    /// The first character a key may not hold.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        /// 1-based position in the key (every character before it is ASCII, so bytes and
        /// characters count alike).
        public let position: Int
        /// What the character is, in words: `a line break (LF)`, `a space`, `a non-ASCII character`.
        public let kind: String

        public var description: String { "\(kind) at position \(position)" }
    }

    /// The first byte of `key` that is not printable ASCII, or nil when the key is usable.
    public static func firstViolation(in key: some Collection<UInt8>) -> Violation? {
        for (offset, byte) in key.enumerated() where !(0x21...0x7E).contains(byte) {
            return Violation(position: offset + 1, kind: describe(byte, first: offset == 0, key: key))
        }
        return nil
    }

    private static func describe(_ byte: UInt8, first: Bool, key: some Collection<UInt8>) -> String {
        switch byte {
        case 0x20: return "a space"
        case 0x09: return "a tab"
        case 0x0A: return "a line break (LF)"
        case 0x0D: return "a carriage return (CR)"
        case 0x00: return "a NUL byte"
        case 0xEF where first && key.starts(with: [0xEF, 0xBB, 0xBF]): return "a byte order mark (U+FEFF)"
        case 0x80...: return "a non-ASCII character"
        default: return "a control character (0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true)))"
        }
    }
}
