//! Serves Orderboard's browser UI (the Trunk build in `frontend/dist`) from
//! the same origin as the API, so the pages need no CORS and one binary is
//! the whole product.
//!
//! Release builds embed the files in the binary; debug builds read them fresh
//! from `frontend/dist` on each request, so a `trunk build` shows up without
//! recompiling the server (both by `rust-embed`). When the UI was never built
//! the server still compiles and runs, and pages answer 503 with a note
//! saying how to build it.
//!
//! Each file is sent compressed when the browser accepts it: the UI build
//! stores a brotli and a gzip copy beside every text and WebAssembly file
//! (`frontend/precompress.sh`), and a request gets the best copy it accepts
//! ([`crate::content_coding`]), with `Vary: Accept-Encoding` and an `ETag` of
//! its own per encoding.
//!
//! Every path that is not under `/api` and is not a file gets a page: the
//! board and tracking links the customer's small build
//! (`customer/index.html`), every other path the whole UI (`index.html`).
//! The app reads the path itself: `/`, `/board`, `/track/{token}`. Pages
//! carry a Content-Security-Policy that allows only this origin's scripts
//! plus WebAssembly compilation; there is no inline script to allow.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::content_coding::{self, Coding};
use orderboard_model::pages::page_for_path;

/// The customer's build of the UI (frontend/customer.html), beside the whole one.
const CUSTOMER_PAGE: &str = "customer/index.html";

#[derive(RustEmbed)]
#[folder = "../../frontend/dist/"]
#[allow_missing = true]
struct UiFiles;

/// The policy for HTML pages: scripts, workers (the shared live connection,
/// `live-worker.js`), styles and connections from this origin only,
/// WebAssembly allowed, framed only by this origin's own pages (the
/// workshop frames boards to show the six-connection wall), no plugins.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

const NOT_BUILT_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Orderboard: UI not built</title></head>\
<body>\
<h1>The Orderboard UI was not built</h1>\
<p>This server has no UI files. Build them with <code>scripts/setup/frontend.sh</code> \
(which runs <code>trunk build --release</code> in <code>frontend/</code>), then reload this page \
(release builds of the server embed the UI: rebuild the server after building it).</p>\
<p>The API works regardless: try <a href=\"/api/health\">/api/health</a>.</p></body></html>";

/// The fallback for every path outside `/api`: a file of the UI, or the app's page.
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return crate::error::api_not_found().await.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let file = path.trim_start_matches('/');
    if is_stored_copy(file) {
        // The compressed copies are sent in place of their file, never by name.
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    if !file.is_empty() && file != "index.html" {
        if let Some(asset) = UiFiles::get(file) {
            return file_response(file, asset, &headers, method == Method::HEAD);
        }
        if is_asset_path(file) {
            // A missing script or stylesheet must not come back as a page.
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
    }
    let page = page_file(path);
    match UiFiles::get(page) {
        Some(index) => file_response(page, index, &headers, method == Method::HEAD),
        None => page_headers(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                NOT_BUILT_PAGE,
            )
                .into_response(),
        ),
    }
}

/// The customer's build of the UI for a customer's page (the board, a
/// tracking link), so that a phone never loads the staff pages' code; the
/// whole UI for the rest, and for every page when the customer's build is
/// missing (the whole UI shows every page).
fn page_file(path: &str) -> &'static str {
    if page_for_path(path).is_for_customers() && UiFiles::get(CUSTOMER_PAGE).is_some() {
        CUSTOMER_PAGE
    } else {
        "index.html"
    }
}

fn file_response(
    name: &str,
    file: rust_embed::EmbeddedFile,
    headers: &HeaderMap,
    head_only: bool,
) -> Response {
    let is_page = name.ends_with(".html");
    let cache = if is_page || !is_hashed(name) {
        "no-cache"
    } else {
        // Trunk puts a content hash in these names: they never change.
        "public, max-age=31536000, immutable"
    };
    // The copies compressed when the UI was built, if any.
    let stored: Vec<(Coding, rust_embed::EmbeddedFile)> = Coding::COMPRESSED
        .into_iter()
        .filter_map(|coding| {
            UiFiles::get(&format!("{name}{}", coding.file_suffix())).map(|copy| (coding, copy))
        })
        .collect();
    let available: Vec<Coding> = stored.iter().map(|(coding, _)| *coding).collect();
    let coding = content_coding::choose(headers, &available);
    let base_tag = hex(&file.metadata.sha256_hash()[..16]);
    let etag = match coding {
        Coding::Identity => format!("\"{base_tag}\""),
        other => format!("\"{base_tag}-{}\"", other.token()),
    };
    let body = match stored.into_iter().find(|(c, _)| *c == coding) {
        Some((_, copy)) => copy.data,
        None => file.data,
    };
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if head_only {
        let mut r = Response::new(Body::empty());
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        r
    } else {
        Response::new(Body::from(body.into_owned()))
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if !available.is_empty() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if coding != Coding::Identity {
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(coding.token()),
        );
    }
    if is_page {
        response = page_headers(response);
    }
    response
}

/// Headers every HTML page carries.
fn page_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Tracking pages carry their secret token in the path: never send it on.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn is_stored_copy(name: &str) -> bool {
    Coding::COMPRESSED
        .iter()
        .any(|coding| name.ends_with(coding.file_suffix()))
}

fn extension(name: &str) -> &str {
    let last = name.rsplit('/').next().unwrap_or(name);
    last.rsplit_once('.').map_or("", |(_, ext)| ext)
}

fn is_asset_path(name: &str) -> bool {
    matches!(
        extension(name),
        "js" | "mjs"
            | "wasm"
            | "css"
            | "map"
            | "svg"
            | "png"
            | "ico"
            | "json"
            | "txt"
            | "webmanifest"
    )
}

/// `orderboard-frontend-1a2b3c4d5e6f7a8b_bg.wasm` style names from Trunk.
fn is_hashed(name: &str) -> bool {
    name.split(['-', '_', '.'])
        .any(|part| part.len() >= 12 && part.chars().all(|c| c.is_ascii_hexdigit()))
}

fn content_type(name: &str) -> &'static str {
    match extension(name) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert!(is_hashed("orderboard-frontend-9f86d081884c7d65_bg.wasm"));
        assert!(is_hashed("style-6a463c0b20e99de.css"));
        assert!(!is_hashed("boot.js"));
        assert!(!is_hashed("index.html"));
        assert_eq!(content_type("x_bg.wasm"), "application/wasm");
        assert_eq!(content_type("boot.js"), "text/javascript; charset=utf-8");
        assert!(is_asset_path("old-123.js"));
        assert!(!is_asset_path("track/AbC_12-x"));
        assert!(!is_asset_path("board"));
    }

    #[tokio::test]
    async fn api_paths_never_get_the_page() {
        let r = serve(Method::GET, Uri::from_static("/api/nope"), HeaderMap::new()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
    }

    #[tokio::test]
    async fn pages_carry_the_policy() {
        let r = serve(
            Method::GET,
            Uri::from_static("/track/abc"),
            HeaderMap::new(),
        )
        .await;
        // 200 with the built UI, 503 without it: a page either way.
        assert!(r.status() == StatusCode::OK || r.status() == StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            r.headers()[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY
        );
        assert!(r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
}
