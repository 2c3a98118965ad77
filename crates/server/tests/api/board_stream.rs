//! `GET /api/board/events`: the public board carries number, first name and
//! stage, and nothing private.

use crate::support::{test_settings, until_parked, RewrittenFeed, SseClient, TestServer, PATIENCE};
use orderboard_model::{BoardEvent, BoardSnapshot, Channel, Stage};

#[tokio::test]
async fn the_board_stream_carries_only_what_a_board_shows() {
    let s = TestServer::start().await;
    let a = s.create(Some("Ada Lovelace"), Channel::Pickup).await;
    let mut sse = SseClient::connect(&s.url("/api/board/events"), None).await;
    let snapshot = sse.next().await.unwrap();
    assert_eq!(snapshot.event, "snapshot");
    let snap: BoardSnapshot = serde_json::from_str(&snapshot.data).unwrap();
    assert_eq!(snap.orders.len(), 1);
    assert_eq!(snap.orders[0].number, a.number);
    assert_eq!(snap.orders[0].name.as_deref(), Some("Ada"));

    s.move_to(a.id, Stage::Preparing).await;
    let raw = sse.next().await.unwrap();
    let ev: BoardEvent = serde_json::from_str(&raw.data).unwrap();
    assert_eq!(ev.order.stage, Stage::Preparing);
    for text in [&snapshot.data, &raw.data] {
        for private in [
            a.tracking_token.as_str(),
            "Lovelace",
            "Falafel",
            "no onions",
            &a.id.to_string(),
            "items",
            "note",
        ] {
            assert!(!text.contains(private), "board leaks {private:?}: {text}");
        }
    }
    s.stop().await;
}

/// On the wire: an event stream is an HTTP/1.0 answer that runs to the end
/// of the connection, unchunked; a HEAD asks for the head alone.
#[tokio::test]
async fn the_stream_is_unchunked_and_a_head_request_gets_no_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start().await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let ask = |method: &'static str| {
        let addr = addr.clone();
        async move {
            let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!("{method} /api/board/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
            tcp.write_all(request.as_bytes()).await.unwrap();
            tcp
        }
    };

    let mut get = ask("GET").await;
    let mut seen = Vec::new();
    read_until_text(&mut get, &mut seen, "event: snapshot").await;
    let text = String::from_utf8_lossy(&seen).to_lowercase();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("http/1.0 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(
        !head.contains("transfer-encoding") && !head.contains("content-length"),
        "{head}"
    );
    assert!(
        body.starts_with("retry: "),
        "frames as they are, no chunk sizes: {body:?}"
    );

    let mut head_only = ask("HEAD").await;
    let mut all = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        head_only.read_to_end(&mut all),
    )
    .await
    .expect("the connection ends after the head")
    .unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.0 200"), "{text}");
    assert!(
        text.ends_with("\r\n\r\n"),
        "nothing after the head: {text:?}"
    );
    drop(get);
    s.wait_for_no_open_streams().await;
    s.stop().await;
}

/// A screen that stops reading for a while fills its socket: the board
/// fan-out hands it back with what did not fit. Once the screen reads again,
/// it gets every change once, in order, from what the server keeps in
/// memory: a burst that fills many sockets must not send them all to the
/// event log at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_that_stops_reading_gets_every_change_once_without_reading_the_log() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Small buffers at both ends, so that the socket fills after a few changes.
    let mut settings = test_settings();
    settings.limits.stream_send_buffer = 4096;
    let s = TestServer::start_with_settings(settings).await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let addr: std::net::SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();

    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    socket.set_nonblocking(true).unwrap();
    let mut tcp = tokio::net::TcpStream::from_std(socket.into()).unwrap();
    tcp.write_all(
        b"GET /api/board/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
    )
    .await
    .unwrap();
    let mut seen = Vec::new();
    read_until_text(&mut tcp, &mut seen, "event: snapshot").await;
    let snapshot_at = s.health().await.head_seq;
    let parked = || s.state.board_fan_out.parked();
    until_parked(&s, 1, "the stream never parked").await;

    // Changes while the screen does not read, until its socket is handed
    // back full, and a few more after that.
    let mut stage = Stage::Preparing;
    let mut made = 0;
    let mut after = None;
    while after.is_none_or(|n| made < n + 5) {
        assert!(made < 2000, "the socket never filled");
        s.move_to(order.id, stage).await;
        // Forward and back (a recall), as long as it takes.
        stage = if stage == Stage::Preparing {
            Stage::Ready
        } else {
            Stage::Preparing
        };
        made += 1;
        if after.is_none() && parked() == 0 {
            after = Some(made);
        }
    }
    let head = s.health().await.head_seq;

    // The screen reads again: everything, once, in order; then it is parked
    // again, and no stream read the log.
    let mut buf = [0u8; 4096];
    let mut ids = Vec::new();
    while ids.last() != Some(&head) {
        let n = tokio::time::timeout(PATIENCE, tcp.read(&mut buf))
            .await
            .expect("frames stopped")
            .unwrap();
        assert!(n > 0, "the stream closed");
        seen.extend_from_slice(&buf[..n]);
        ids = String::from_utf8_lossy(&seen)
            .split("\n\n")
            .filter_map(|frame| {
                frame
                    .strip_prefix("id: ")?
                    .split('\n')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .collect();
    }
    assert_eq!(ids[0], snapshot_at, "the snapshot first");
    assert_eq!(ids[1..], (snapshot_at + 1..=head).collect::<Vec<_>>()[..]);
    until_parked(&s, 1, "the stream never parked again").await;
    assert_eq!(s.health().await.log_catch_ups, 0);
    s.stop().await;
}

/// Reads from `tcp` into `seen` until the text holds `needle`.
async fn read_until_text(tcp: &mut tokio::net::TcpStream, seen: &mut Vec<u8>, needle: &str) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(seen).contains(needle) {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "the stream opened");
        seen.extend_from_slice(&buf[..n]);
    }
}

/// A board stream that falls behind the feed parks at once: the fan-out's
/// recent frames reach back further than the feed's ring, so it need not
/// read the event log (a burst would send many boards there together).
#[tokio::test]
async fn a_board_that_falls_behind_the_feed_parks_instead_of_reading_the_log() {
    let dir = tempfile::tempdir().unwrap();
    // Every subscription starts by saying it fell behind, as a board
    // stream's own does when a burst outruns it before it has parked.
    let feed = RewrittenFeed::new(|subscription| {
        use futures_util::StreamExt;
        let missed =
            futures_util::stream::once(async { orderboard_server::feed::Delivery::Missed });
        missed.chain(subscription).boxed()
    });
    let s = TestServer::start_with_feed(&dir.path().join("behind.db"), feed).await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let mut sse = SseClient::connect(&s.url("/api/board/events"), None).await;
    assert_eq!(sse.next().await.unwrap().event, "snapshot");
    until_parked(&s, 1, "the stream never parked").await;
    s.move_to(order.id, Stage::Preparing).await;
    let event: BoardEvent = serde_json::from_str(&sse.next().await.unwrap().data).unwrap();
    assert_eq!(
        (event.order.number, event.order.stage),
        (order.number, Stage::Preparing)
    );
    assert_eq!(s.health().await.log_catch_ups, 0, "the stream read the log");
    s.stop().await;
}
