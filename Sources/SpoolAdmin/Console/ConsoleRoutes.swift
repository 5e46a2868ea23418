import Hummingbird

/// The web console's routes: the single page at `/` and its assets under `/console/`, all embedded in the
/// binary (`ConsoleAssets`), so that the console works with no network beyond the admin listener itself.
struct ConsoleRoutes: Sendable {
    /// Only the page's own origin: no inline script or style, nothing fetched from elsewhere, no framing. The
    /// sparklines are inline SVG elements made by script, which `default-src 'self'` allows.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Self.asset(ConsoleAssets.page, contentType: "text/html; charset=utf-8")
        }
        router.get("/console/app.js") { _, _ in
            Self.asset(ConsoleAssets.script, contentType: "text/javascript; charset=utf-8")
        }
        router.get("/console/app.css") { _, _ in
            Self.asset(ConsoleAssets.style, contentType: "text/css; charset=utf-8")
        }
        router.get("/console/icon.svg") { _, _ in
            Self.asset(ConsoleAssets.icon, contentType: "image/svg+xml")
        }
        // Browsers ask for /favicon.ico whatever the page links; the same icon answers, not a 404 in the log.
        router.get("/favicon.ico") { _, _ in
            Self.asset(ConsoleAssets.icon, contentType: "image/svg+xml")
        }
    }

    /// An embedded asset with the console's security headers. `no-cache` makes the browser revalidate, so a
    /// broker upgraded in place never serves a page with the previous version's script.
    static func asset(_ text: String, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: contentType, .cacheControl: "no-cache",
                .contentSecurityPolicy: contentSecurityPolicy, .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
