import Foundation

/// The one check for "an absolute http(s) URL with a host", used for every URL the tool sends
/// requests to or hands out: the API's base URL, result URLs and their redirects, the webhook
/// URL. Each caller words its own error.
public enum HTTPURL {
    /// The lowercased scheme (`http` or `https`) and the host of `url`, or nil when `url` is
    /// not absolute, not http(s), or has no host.
    public static func target(of url: String) -> (scheme: String, host: String)? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return nil }
        return (scheme, host)
    }
}
