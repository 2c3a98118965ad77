//! What is compressed, and what never is, over real HTTP: the UI's files are
//! sent as the brotli or gzip copy the build stored (by `Accept-Encoding`,
//! with `Vary` and an `ETag` per encoding); large JSON answers are compressed
//! on the way; event streams never are, whatever the client accepts.
//!
//! The UI must have been built (`scripts/setup/frontend.sh`; the test
//! command builds it before these tests): its files are what is checked.

use crate::support::{TestServer, PATIENCE};
use futures_util::StreamExt;
use orderboard_model::{Channel, Stage};
use reqwest::header::{HeaderMap, ACCEPT_ENCODING};
use reqwest::StatusCode;
use std::io::Read;

const BROWSER_ACCEPTS: &str = "gzip, deflate, br, zstd";

async fn get(server: &TestServer, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = server.http.get(server.url(path));
    if let Some(accept) = accept {
        req = req.header(ACCEPT_ENCODING, accept);
    }
    req.send().await.unwrap()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

fn decode(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("br") => {
            brotli_decompressor::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .expect("a valid brotli body");
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("a valid gzip body");
        }
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    out
}

/// `data-js="/x.js"` and `data-wasm="/x_bg.wasm"` from a page.
fn script_paths(page: &str) -> (String, String) {
    let attr = |name: &str| {
        let start = page
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in the page:\n{page}"))
            + name.len()
            + 2;
        page[start..start + page[start..].find('"').unwrap()].to_string()
    };
    (attr("data-js"), attr("data-wasm"))
}

/// Fetches `path` in each encoding and checks that every copy is the same
/// file, marked as it should be. Returns the plain file.
async fn check_encodings(server: &TestServer, path: &str) -> Vec<u8> {
    let plain = get(server, path, None).await;
    assert_eq!(plain.status(), StatusCode::OK, "{path}");
    assert_eq!(header(plain.headers(), "content-encoding"), None, "{path}");
    assert_eq!(
        header(plain.headers(), "vary"),
        Some("accept-encoding"),
        "{path}: its answer depends on Accept-Encoding"
    );
    let plain_tag = header(plain.headers(), "etag").unwrap().to_string();
    let plain_type = header(plain.headers(), "content-type").unwrap().to_string();
    let plain_body = plain.bytes().await.unwrap().to_vec();

    let mut tags = vec![plain_tag];
    for (accept, expected) in [
        (BROWSER_ACCEPTS, "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
    ] {
        let res = get(server, path, Some(accept)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let headers = res.headers().clone();
        assert_eq!(
            header(&headers, "content-encoding"),
            Some(expected),
            "{path} asked with {accept}"
        );
        assert_eq!(header(&headers, "vary"), Some("accept-encoding"));
        assert_eq!(header(&headers, "content-type"), Some(plain_type.as_str()));
        let body = res.bytes().await.unwrap();
        assert!(
            body.len() < plain_body.len(),
            "{path}: the {expected} copy ({} bytes) is smaller than the file ({})",
            body.len(),
            plain_body.len()
        );
        assert_eq!(
            header(&headers, "content-length"),
            Some(body.len().to_string().as_str())
        );
        assert!(
            decode(Some(expected), &body) == plain_body,
            "{path}: the {expected} copy decodes to the file"
        );
        let tag = header(&headers, "etag").unwrap().to_string();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    assert_eq!(tags.len(), 3, "one ETag per encoding: {tags:?}");

    // A client that refuses every compression gets the file as it is.
    let res = get(server, path, Some("br;q=0, gzip;q=0")).await;
    assert_eq!(header(res.headers(), "content-encoding"), None);
    assert!(res.bytes().await.unwrap().to_vec() == plain_body);
    plain_body
}

#[tokio::test]
async fn the_ui_is_sent_precompressed_by_accept_encoding() {
    let s = TestServer::start().await;

    // The whole UI, for the dispatcher.
    let page = String::from_utf8(check_encodings(&s, "/").await).unwrap();
    let (js, wasm) = script_paths(&page);
    assert!(!js.starts_with("/customer/"), "{js}");
    let wasm_body = check_encodings(&s, &wasm).await;
    assert!(wasm_body.starts_with(b"\0asm"));
    check_encodings(&s, &js).await;

    // The customer's build, for the board and a tracking link: its own,
    // smaller WebAssembly.
    let board_page = String::from_utf8(check_encodings(&s, "/board").await).unwrap();
    let (customer_js, customer_wasm) = script_paths(&board_page);
    assert!(customer_wasm.starts_with("/customer/"), "{customer_wasm}");
    let customer_wasm_body = check_encodings(&s, &customer_wasm).await;
    assert!(customer_wasm_body.starts_with(b"\0asm"));
    assert!(
        customer_wasm_body.len() < wasm_body.len(),
        "the customer's build ({} bytes) is smaller than the whole UI ({} bytes)",
        customer_wasm_body.len(),
        wasm_body.len()
    );
    check_encodings(&s, &customer_js).await;
    let track = get(&s, "/track/AnyToken_1", Some(BROWSER_ACCEPTS)).await;
    let track_page = decode(Some("br"), &track.bytes().await.unwrap());
    assert_eq!(
        script_paths(&String::from_utf8(track_page).unwrap()),
        (customer_js.clone(), customer_wasm.clone())
    );
    assert_eq!(
        script_paths(&String::from_utf8(check_encodings(&s, "/workshop").await).unwrap()),
        (js.clone(), wasm.clone()),
        "the workshop is a staff page"
    );

    // Hashed files stay cacheable for good, whatever their encoding.
    let res = get(&s, &customer_wasm, Some(BROWSER_ACCEPTS)).await;
    assert_eq!(
        header(res.headers(), "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        header(res.headers(), "content-type"),
        Some("application/wasm")
    );

    // Revalidation matches the encoding's own tag.
    let br_tag = header(res.headers(), "etag").unwrap().to_string();
    let res = s
        .http
        .get(s.url(&customer_wasm))
        .header(ACCEPT_ENCODING, "br")
        .header("if-none-match", &br_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(res.headers(), "vary"), Some("accept-encoding"));
    let res = s
        .http
        .get(s.url(&customer_wasm))
        .header(ACCEPT_ENCODING, "gzip")
        .header("if-none-match", &br_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the gzip copy is another file"
    );
    assert_eq!(header(res.headers(), "content-encoding"), Some("gzip"));

    // HEAD gives the length of the copy a GET would send.
    let br_len = get(&s, &wasm, Some("br"))
        .await
        .bytes()
        .await
        .unwrap()
        .len();
    let head = s
        .http
        .head(s.url(&wasm))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(head.headers(), "content-encoding"), Some("br"));
    assert_eq!(
        header(head.headers(), "content-length"),
        Some(br_len.to_string().as_str())
    );

    // The stored copies are never sent by their own names.
    for suffix in [".br", ".gz"] {
        let res = get(&s, &format!("{wasm}{suffix}"), None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{wasm}{suffix}");
    }
    s.stop().await;
}

#[tokio::test]
async fn large_json_answers_are_compressed_small_ones_are_not() {
    let s = TestServer::start().await;
    for i in 0..20 {
        s.create(Some(&format!("Customer {i}")), Channel::Pickup)
            .await;
    }
    let plain = get(&s, "/api/orders", None).await;
    assert_eq!(header(plain.headers(), "content-encoding"), None);
    let plain: serde_json::Value = plain.json().await.unwrap();

    for (accept, expected) in [(BROWSER_ACCEPTS, "br"), ("gzip", "gzip")] {
        let res = get(&s, "/api/orders", Some(accept)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let headers = res.headers().clone();
        assert_eq!(header(&headers, "content-encoding"), Some(expected));
        assert!(header(&headers, "vary").is_some_and(|v| v.contains("accept-encoding")));
        let body = res.bytes().await.unwrap();
        let decoded: serde_json::Value =
            serde_json::from_slice(&decode(Some(expected), &body)).unwrap();
        assert_eq!(decoded, plain);
    }

    let health = get(&s, "/api/health", Some(BROWSER_ACCEPTS)).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        header(health.headers(), "content-encoding"),
        None,
        "a small answer is not worth compressing"
    );
    s.stop().await;
}

/// Reads a stream's raw bytes until `needle` shows up, as plain text.
async fn read_until(
    body: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    seen: &mut String,
    needle: &str,
) {
    tokio::time::timeout(PATIENCE, async {
        while !seen.contains(needle) {
            let chunk = body.next().await.expect("the stream stays open").unwrap();
            seen.push_str(std::str::from_utf8(&chunk).expect("plain text, never compressed"));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} in time; read so far:\n{seen}"));
}

#[tokio::test]
async fn event_streams_are_never_compressed() {
    let s = TestServer::start().await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let streams = [
        "/api/events".to_string(),
        "/api/board/events".to_string(),
        format!("/api/track/{}/events", order.tracking_token),
        "/api/workshop/events".to_string(),
    ];
    let mut open = Vec::new();
    for path in &streams {
        for accept in [BROWSER_ACCEPTS, "br", "gzip", "*"] {
            let res = s
                .http
                .get(s.url(path))
                .header("accept", "text/event-stream")
                .header(ACCEPT_ENCODING, accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(
                header(res.headers(), "content-encoding"),
                None,
                "{path} asked with {accept}"
            );
            assert!(header(res.headers(), "content-type")
                .unwrap()
                .starts_with("text/event-stream"));
            let mut body = res.bytes_stream();
            let mut seen = String::new();
            read_until(&mut body, &mut seen, "\n\n").await;
            open.push((path.clone(), body, seen));
        }
    }
    // A change reaches every open stream at once, in plain text: nothing
    // waits in a compressor.
    s.move_to(order.id, Stage::Preparing).await;
    for (path, mut body, mut seen) in open {
        if path.contains("workshop") {
            continue; // the workshop stream carries comparisons, not orders
        }
        read_until(&mut body, &mut seen, "event: order").await;
        assert!(seen.contains("preparing"), "{path}: {seen}");
    }
    s.stop().await;
}
