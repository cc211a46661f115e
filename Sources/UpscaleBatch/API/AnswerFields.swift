/// The fields of an API answer the client reads, decoded straight from a keyed container.
///
/// Each field is read with the type the API uses, so a well-formed answer decodes without a
/// single failed attempt (a generic JSON tree tried every type per value and cost ~15% of the
/// benchmark's throughput). A field of the wrong type reads as absent; the readers decide what
/// absence means. Decoding throws only when the body is not a JSON object.
struct AnswerFields: Decodable, Sendable {
    /// `success`, only when it is a JSON boolean.
    var success: Bool?
    var requestID: String?
    /// `status`, only when it is a string.
    var status: String?
    /// `cost`: an integer, or a float with an integral value.
    var cost: Int64?
    /// `result`, `resultUrl`, `result_url` or `resultURL`: the first non-empty string.
    var resultURL: String?
    /// `message`, `error` or `reason` (one level of nesting looked into), cut to 500 characters.
    var message: String?

    // The API's own spellings, snake case included.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    private enum Key: String, CodingKey {
        case success, requestId, status, cost, result, resultUrl, result_url, resultURL, message, error, reason
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        success = try? container.decodeIfPresent(Bool.self, forKey: .success)
        requestID = try? container.decodeIfPresent(String.self, forKey: .requestId)
        status = try? container.decodeIfPresent(String.self, forKey: .status)
        if container.contains(.cost) {
            if let integer = try? container.decode(Int64.self, forKey: .cost) {
                cost = integer
            } else if let number = try? container.decode(Double.self, forKey: .cost), number.isFinite,
                number == number.rounded(), abs(number) < 9.0e15
            {
                cost = Int64(number)
            }
        }
        for key in [Key.result, .resultUrl, .result_url, .resultURL] where container.contains(key) {
            if let text = try? container.decode(String.self, forKey: key), !text.isEmpty {
                resultURL = text
                break
            }
        }
        for key in [Key.message, .error, .reason] where container.contains(key) {
            if let text = try? container.decode(String.self, forKey: key), !text.allSatisfy(\.isWhitespace) {
                message = APIText.cut(text, to: APIText.messageLimit)
                break
            }
            if let nested = try? container.decode(AnswerFields.self, forKey: key), let text = nested.message {
                message = text
                break
            }
        }
    }
}
