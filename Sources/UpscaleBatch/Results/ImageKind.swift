/// The image formats a result may be, recognised by their leading bytes ("magic numbers").
///
/// A result is kept only when its Content-Type says `image/*` AND its bytes start like one of
/// these: a CDN error page served as `image/png`, or an image served as `text/html`, is refused.
/// The file extension comes from the bytes, which cannot be mislabelled.
public enum ImageKind: String, Sendable, CaseIterable {
    case png, jpeg, webp, gif

    /// Bytes needed to recognise every kind (WebP: `RIFF????WEBP`).
    public static let signatureLength = 12

    /// The extension the kept file gets.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .gif: "gif"
        }
    }

    /// The kind whose signature `bytes` start with, or nil.
    public init?(leadingBytes bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(Self.signatureLength))
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + signature.count && Array(head[offset..<offset + signature.count]) == signature
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) {
            self = .webp
        } else if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) {
            self = .gif
        } else {
            return nil
        }
    }
}
