//! The server's limits: caps on open streams (in total and per client
//! address) answered with 503 and `Retry-After` in the error shape, and a
//! header read timeout that cuts off clients that never finish a request.
//! (The 64 KB body limit is in `bad_input.rs`.)

use crate::support::{test_settings, SseClient, TestServer, PATIENCE};
use orderboard_model::{ApiErrorBody, Channel, ErrorCode};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn expect_overloaded(s: &TestServer, path: &str) -> ApiErrorBody {
    let res = s.http.get(s.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 503, "{path}");
    let retry_after = res
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        retry_after.parse::<u64>().unwrap() >= 1,
        "Retry-After is whole seconds: {retry_after}"
    );
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Overloaded);
    body
}

async fn wait_for_open(s: &TestServer, total: u64) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while s.health().await.open_streams.total != total {
        assert!(
            tokio::time::Instant::now() < deadline,
            "streams never settled at {total}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn streams_beyond_the_per_address_cap_get_503_and_retry_after() {
    let mut settings = test_settings();
    settings.limits.max_streams = 100;
    settings.limits.max_streams_per_client = 3;
    let s = TestServer::start_with_settings(settings).await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;

    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let mut staff = SseClient::connect(&s.url("/api/events"), None).await;
    let track_path = format!("/api/track/{}/events", order.tracking_token);
    let mut track = SseClient::connect(&s.url(&track_path), None).await;
    board.expect::<serde_json::Value>("snapshot").await;
    staff.expect::<serde_json::Value>("snapshot").await;
    track.expect::<serde_json::Value>("snapshot").await;

    // Every kind of stream counts against the same address.
    for path in ["/api/board/events", "/api/events", track_path.as_str()] {
        let body = expect_overloaded(&s, path).await;
        assert!(body.error.message.contains("address"), "{body:?}");
    }
    // Other requests are not limited.
    assert_eq!(s.health().await.open_streams.total, 3);
    // A refused stream does not take a place: closing one lets one in.
    drop(board);
    wait_for_open(&s, 2).await;
    let mut again = SseClient::connect(&s.url("/api/board/events"), None).await;
    assert_eq!(again.status, 200);
    again.expect::<serde_json::Value>("snapshot").await;
    // A stream that is answered with an error gives its place back at once.
    drop(again);
    wait_for_open(&s, 2).await;
    let res = s
        .http
        .get(s.url("/api/track/nope/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let mut last = SseClient::connect(&s.url("/api/board/events"), None).await;
    assert_eq!(last.status, 200);
    last.expect::<serde_json::Value>("snapshot").await;
    drop((staff, track, last));
    s.wait_for_no_open_streams().await;
    s.stop().await;
}

#[tokio::test]
async fn streams_beyond_the_total_cap_get_503() {
    let mut settings = test_settings();
    settings.limits.max_streams = 2;
    settings.limits.max_streams_per_client = 100;
    let s = TestServer::start_with_settings(settings).await;
    let mut a = SseClient::connect(&s.url("/api/board/events"), None).await;
    let mut b = SseClient::connect(&s.url("/api/board/events"), None).await;
    a.expect::<serde_json::Value>("snapshot").await;
    b.expect::<serde_json::Value>("snapshot").await;
    let body = expect_overloaded(&s, "/api/events").await;
    assert!(body.error.message.contains("server"), "{body:?}");
    drop(a);
    wait_for_open(&s, 1).await;
    let mut c = SseClient::connect(&s.url("/api/events"), None).await;
    c.expect::<serde_json::Value>("snapshot").await;
    drop((b, c));
    s.wait_for_no_open_streams().await;
    s.stop().await;
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(tcp: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(PATIENCE, tcp.read(&mut buf))
            .await
            .expect("the server closes the connection")
        {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let mut settings = test_settings();
    settings.limits.header_read_timeout = Duration::from_millis(500);
    let s = TestServer::start_with_settings(settings).await;
    let addr = s.base.trim_start_matches("http://").to_string();

    // Slowloris: a request line and one header, then nothing.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: orderboard\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut slow).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    // A connection that sends nothing at all.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    read_to_close(&mut silent).await;

    // Whole requests are still served.
    assert_eq!(s.health().await.status, "ok");
    s.stop().await;
}
