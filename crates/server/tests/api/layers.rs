//! A layer added around the application sees event streams like any other
//! request: a stream's hand-off to its writer happens after every layer has
//! run, and is flagged by the stream answer's own type, never by something a
//! layer could change on the way (such as the HTTP version).

use crate::support::{open_database, test_settings, SseClient, PATIENCE};
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use orderboard_model::Channel;
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::{app, serving, AppState};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

static SEEN_STREAMS: AtomicUsize = AtomicUsize::new(0);
static SEEN_ANSWERS: AtomicUsize = AtomicUsize::new(0);

/// A layer as one might be added later: it looks at every request and every
/// answer, and changes the answer's HTTP version to 1.1.
async fn watch(request: Request, next: Next) -> Response {
    if request.uri().path().ends_with("/events") {
        SEEN_STREAMS.fetch_add(1, Ordering::SeqCst);
    }
    let mut response = next.run(request).await;
    if response
        .headers()
        .get("content-type")
        .is_some_and(|v| v == "text/event-stream")
    {
        SEEN_ANSWERS.fetch_add(1, Ordering::SeqCst);
    }
    *response.version_mut() = axum::http::Version::HTTP_11;
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_added_later_sees_stream_requests_and_streams_still_flow() {
    let dir = tempfile::tempdir().unwrap();
    let database = open_database(&dir.path().join("layers.db")).await;
    let state = AppState::new(
        database,
        Arc::new(InProcessFeed::default()),
        test_settings(),
    )
    .await;
    let router = app(state.clone()).layer(middleware::from_fn(watch));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = state.settings.limits.clone();
    let server = tokio::spawn(async move {
        serving::serve_router(listener, router, &limits, async move {
            let _ = stopped.await;
        })
        .await
    });

    let mut board = SseClient::connect(&format!("{base}/api/board/events"), None).await;
    board.expect::<Value>("snapshot").await;
    assert_eq!(SEEN_STREAMS.load(Ordering::SeqCst), 1);
    assert_eq!(SEEN_ANSWERS.load(Ordering::SeqCst), 1);
    // Handed off all the same, and live: a change reaches it, and the board
    // parks with the fan-out.
    let http = reqwest::Client::new();
    let new = serde_json::json!({"customer": "Ada", "channel": Channel::Pickup, "items": [{"name": "Tea", "qty": 1}]});
    let res = http
        .post(format!("{base}/api/orders"))
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (_, event) = board.expect::<Value>("order").await;
    assert_eq!(event["order"]["name"], "Ada");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while state.board_fan_out.parked() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream never parked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    stop.send(()).unwrap();
    board.expect_end().await;
    server.await.unwrap().unwrap();
    state.shut_down();
    state.store.close().await;
}
