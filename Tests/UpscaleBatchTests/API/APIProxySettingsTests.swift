import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct APIProxySettingsTests {
    @Test func httpsTargetUsesHTTPSProxyLowercaseFirst() throws {
        let env = ["HTTPS_PROXY": "http://upper:3128", "https_proxy": "http://lower:8080"]
        let proxy = try ProxySettings.resolve(scheme: "https", host: "apireq.enhancor.ai", environment: env)
        #expect(proxy?.host == "lower" && proxy?.port == 8080 && proxy?.kind == .http)
        let upper = try ProxySettings.resolve(scheme: "https", host: "a.example", environment: ["HTTPS_PROXY": "proxy:3128"])
        #expect(upper?.host == "proxy" && upper?.port == 3128)
    }

    @Test func httpTargetUsesHTTPProxyAndNotHTTPSProxy() throws {
        #expect(try ProxySettings.resolve(scheme: "http", host: "a.example", environment: ["HTTPS_PROXY": "p:1"]) == nil)
        #expect(try ProxySettings.resolve(scheme: "http", host: "a.example", environment: ["HTTP_PROXY": "p:1"])?.host == "p")
        #expect(try ProxySettings.resolve(scheme: "http", host: "a.example", environment: ["ALL_PROXY": "all:9"])?.host == "all")
    }

    @Test func defaultPortCredentialsAndSocks() throws {
        let proxy = try ProxySettings.parse("http://user:p%40ss@proxy.local")
        #expect(proxy.port == 1080 && proxy.username == "user" && proxy.password == "p@ss")
        #expect(!proxy.description.contains("p@ss") && !proxy.description.contains("user"))
        #expect(try ProxySettings.parse("socks5://s:1081").kind == .socks5)
        #expect(try ProxySettings.parse("http://[::1]:3128/").host == "::1")
        #expect(throws: EnhancorError.self) { try ProxySettings.parse("https://p:1") }
        #expect(throws: EnhancorError.self) { try ProxySettings.parse("p:notaport") }
    }

    @Test func noProxyFollowsCurl() {
        let list = "localhost, .internal.example,example.org,10.0.0.0/8 ,192.168.1.7"
        #expect(ProxySettings.matchesNoProxy(host: "localhost", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "api.internal.example", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "internal.example", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "EXAMPLE.org", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "www.example.org", list: list))
        #expect(!ProxySettings.matchesNoProxy(host: "badexample.org", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "10.1.2.3", list: list))
        #expect(!ProxySettings.matchesNoProxy(host: "11.1.2.3", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "192.168.1.7", list: list))
        #expect(ProxySettings.matchesNoProxy(host: "anything", list: "*"))
        #expect(!ProxySettings.matchesNoProxy(host: "anything", list: ""))
    }

    @Test func noProxyBypassesTheProxy() throws {
        let env = ["HTTPS_PROXY": "p:1", "NO_PROXY": ".enhancor.ai"]
        #expect(try ProxySettings.resolve(scheme: "https", host: "apireq.enhancor.ai", environment: env) == nil)
        #expect(try ProxySettings.resolve(scheme: "https", host: "other.example", environment: env) != nil)
        let lower = ["https_proxy": "p:1", "no_proxy": "127.0.0.1"]
        #expect(try ProxySettings.resolve(scheme: "https", host: "127.0.0.1", environment: lower) == nil)
    }
}
