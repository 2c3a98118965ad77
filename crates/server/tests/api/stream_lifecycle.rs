//! What every stream does: headers, `retry:`, heartbeats, catching up after
//! lag, and leaving nothing behind when its client goes away.

use crate::support::{read_raw_until, RewrittenFeed, SseClient, TestServer};
use futures_util::StreamExt;
use orderboard_model::{Channel, OrderEvent, StaffSnapshot, Stage};
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::feed::{Delivery, Subscription};
use std::sync::Arc;

#[tokio::test]
async fn streams_have_sse_headers_a_retry_field_and_heartbeats() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    for path in [
        "/api/events".to_string(),
        "/api/board/events".into(),
        format!("/api/track/{}/events", o.tracking_token),
    ] {
        let sse = SseClient::connect(&s.url(&path), None).await;
        assert_eq!(sse.status, 200);
        assert_eq!(sse.headers["content-type"], "text/event-stream", "{path}");
        assert_eq!(sse.headers["cache-control"], "no-cache");
        assert_eq!(sse.headers["x-accel-buffering"], "no");
        assert!(sse.headers.get("content-encoding").is_none());
        let raw = read_raw_until(&s.url(&path), ": keep-alive\n\n").await;
        assert!(raw.starts_with("retry: 100\n\n"), "{raw:?}");
        assert!(raw.contains("event: snapshot\n"));
    }
    s.stop().await;
}

#[tokio::test]
async fn disconnected_clients_leave_no_open_stream_behind() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    let urls = [
        s.url("/api/events"),
        s.url("/api/board/events"),
        s.url(&format!("/api/track/{}/events", o.tracking_token)),
    ];
    // The server's own subscribers: the memory that answers polls, and the
    // board fan-out.
    let own = s.state.store.feed().subscriber_count();
    let mut clients = Vec::new();
    for _ in 0..5 {
        for url in &urls {
            let mut c = SseClient::connect(url, None).await;
            c.next().await.unwrap();
            clients.push(c);
        }
    }
    let open = s.health().await.open_streams;
    assert_eq!(
        (open.staff, open.board, open.track, open.total),
        (5, 5, 5, 15)
    );
    // Board streams with nothing to send park with the board fan-out, and
    // stop listening to the feed themselves.
    for _ in 0..200 {
        if s.state.board_fan_out.parked() == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(s.state.board_fan_out.parked(), 5);
    assert_eq!(s.state.store.feed().subscriber_count(), own + 10);
    drop(clients);
    s.wait_for_no_open_streams().await;
    assert_eq!(s.state.store.feed().subscriber_count(), own);
    for _ in 0..200 {
        if s.state.board_fan_out.parked() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        s.state.board_fan_out.parked(),
        0,
        "the fan-out let go of every socket"
    );

    // Dropping the TCP connection without a goodbye, mid-stream.
    for _ in 0..10 {
        let mut tcp = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://"))
            .await
            .unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        tcp.write_all(
            b"GET /api/board/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
        )
        .await
        .unwrap();
        let mut buf = [0u8; 256];
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0);
        drop(tcp);
    }
    s.wait_for_no_open_streams().await;
    println!(
        "open streams after disconnects: {:?}",
        s.health().await.open_streams
    );
    s.stop().await;
}

/// Like a broadcast channel whose subscribers keep falling behind: every
/// other change is dropped and `Missed` said instead, as a lagging tokio
/// broadcast receiver does.
fn lagging(subscription: Subscription) -> Subscription {
    subscription
        .map(|d| match d {
            Delivery::Change(c) if c.seq() % 2 == 0 => Delivery::Missed,
            other => other,
        })
        .boxed()
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_catches_up_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let s =
        TestServer::start_with_feed(&dir.path().join("lag.db"), RewrittenFeed::new(lagging)).await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    let _: (u64, StaffSnapshot) = sse.expect("snapshot").await;
    let mut made = Vec::new();
    for _ in 0..6 {
        let o = s.create(None, Channel::Pickup).await;
        made.push(o.id);
        s.move_to(o.id, Stage::Preparing).await;
    }
    let mut ids = Vec::new();
    for _ in 0..12 {
        let (id, _): (u64, OrderEvent) = sse.expect("order").await;
        ids.push(id);
    }
    assert_eq!(ids, (1..=12).collect::<Vec<u64>>(), "no gap, no duplicate");
    s.stop().await;
}

#[tokio::test]
async fn a_real_broadcast_lag_is_caught_up_too() {
    // A one-slot broadcast ring: any burst makes the subscriber lag for real.
    let dir = tempfile::tempdir().unwrap();
    let s =
        TestServer::start_with_feed(&dir.path().join("lag1.db"), Arc::new(InProcessFeed::new(1)))
            .await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    let _: (u64, StaffSnapshot) = sse.expect("snapshot").await;
    let creates = (0..20).map(|_| s.create(None, Channel::Pickup));
    futures_util::future::join_all(creates).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let (id, _): (u64, OrderEvent) = sse.expect("order").await;
        ids.push(id);
    }
    assert_eq!(ids, (1..=20).collect::<Vec<u64>>());
    s.stop().await;
}
