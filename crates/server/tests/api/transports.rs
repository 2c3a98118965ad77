//! The four ways to follow an order (`/api/track/{token}`, `…/longpoll`,
//! `…/events`, `…/ws`), each delivering every stage change, and what the
//! server counts for each.

use crate::support::{SseClient, TestServer, PATIENCE};
use futures_util::StreamExt;
use orderboard_model::{
    Channel, SocketMessage, Stage, TrackEvent, TrackSnapshot, TrackedOrder, Transport,
    TransportCountsReport,
};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// The tracking page's four transports (the workshop's fifth lane, SSE over
/// database polling, has its own tests in `db_poll_lane`).
const TRACKING: [Transport; 4] = [
    Transport::Poll,
    Transport::Longpoll,
    Transport::Sse,
    Transport::Ws,
];

/// What a client saw: the order's stage at a version.
type Seen = (Transport, Stage, u64);

fn ws_url(s: &TestServer, path: &str) -> String {
    s.url(path).replacen("http://", "ws://", 1)
}

async fn poll_client(
    http: reqwest::Client,
    url: String,
    mut version: u64,
    seen: mpsc::Sender<Seen>,
) {
    loop {
        let res = http
            .get(&url)
            .header("if-none-match", format!("\"v{version}\""))
            .send()
            .await
            .unwrap();
        match res.status().as_u16() {
            304 => tokio::time::sleep(Duration::from_millis(20)).await,
            200 => {
                let etag = res.headers()["etag"].to_str().unwrap().to_string();
                let order: TrackedOrder = res.json().await.unwrap();
                assert_eq!(etag, format!("\"v{}\"", order.version));
                version = order.version;
                seen.send((Transport::Poll, order.stage, version))
                    .await
                    .unwrap();
                if order.stage.is_final() {
                    return;
                }
            }
            other => panic!("poll answered {other}"),
        }
    }
}

async fn long_poll_client(
    http: reqwest::Client,
    url: String,
    mut version: u64,
    seen: mpsc::Sender<Seen>,
) {
    loop {
        let res = http
            .get(format!("{url}?after_version={version}&timeout_secs=5"))
            .send()
            .await
            .unwrap();
        match res.status().as_u16() {
            204 => continue,
            200 => {
                let order: TrackedOrder = res.json().await.unwrap();
                assert!(order.version > version);
                version = order.version;
                seen.send((Transport::Longpoll, order.stage, version))
                    .await
                    .unwrap();
                if order.stage.is_final() {
                    return;
                }
            }
            other => panic!("long poll answered {other}"),
        }
    }
}

async fn sse_client(mut sse: SseClient, seen: mpsc::Sender<Seen>) {
    while let Some(e) = sse.next().await {
        assert_eq!(e.event, "order");
        let event: TrackEvent = serde_json::from_str(&e.data).unwrap();
        seen.send((Transport::Sse, event.order.stage, event.order.version))
            .await
            .unwrap();
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message, parsed; `None` once the server closed the socket.
async fn next_message(socket: &mut Socket) -> Option<SocketMessage<serde_json::Value>> {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a socket message arrives")?
            .expect("a well-formed frame");
        match message {
            Message::Text(text) => {
                return Some(serde_json::from_str(&text).expect("a socket message"))
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

async fn socket_client(mut socket: Socket, seen: mpsc::Sender<Seen>) {
    while let Some(m) = next_message(&mut socket).await {
        assert_eq!(m.event, "order");
        let event: TrackEvent = serde_json::from_value(m.data).unwrap();
        assert_eq!(m.id, event.seq);
        seen.send((Transport::Ws, event.order.stage, event.order.version))
            .await
            .unwrap();
    }
}

/// A fresh socket on the order, past its snapshot.
async fn open_socket(s: &TestServer, token: &str) -> Socket {
    let (mut socket, _) =
        tokio_tungstenite::connect_async(ws_url(s, &format!("/api/track/{token}/ws")))
            .await
            .unwrap();
    assert_eq!(next_message(&mut socket).await.unwrap().event, "snapshot");
    socket
}

async fn counts(s: &TestServer) -> TransportCountsReport {
    s.http
        .get(s.url("/api/workshop/counts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_transport_delivers_every_stage_change() {
    let s = TestServer::start().await;
    let order = s.create(Some("Ada"), Channel::Delivery).await;
    let base = format!("/api/track/{}", order.tracking_token);
    let (tx, mut rx) = mpsc::channel(64);

    // Every client has the order's first state before anything changes.
    let mut sse = SseClient::connect(&s.url(&format!("{base}/events")), None).await;
    let (_, snap): (u64, TrackSnapshot) = sse.expect("snapshot").await;
    assert_eq!(snap.order.version, order.version);
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&s, &format!("{base}/ws")))
        .await
        .unwrap();
    let first = next_message(&mut socket).await.unwrap();
    assert_eq!(first.event, "snapshot");
    let snap: TrackSnapshot = serde_json::from_value(first.data).unwrap();
    assert_eq!(snap.order.version, order.version);

    let clients = [
        tokio::spawn(poll_client(
            s.http.clone(),
            s.url(&base),
            order.version,
            tx.clone(),
        )),
        tokio::spawn(long_poll_client(
            s.http.clone(),
            s.url(&format!("{base}/longpoll")),
            order.version,
            tx.clone(),
        )),
        tokio::spawn(sse_client(sse, tx.clone())),
        tokio::spawn(socket_client(socket, tx.clone())),
    ];
    drop(tx);

    // One change at a time, and the next only once every client has seen it,
    // so that even the polling client cannot miss one.
    let path = Channel::Delivery.path();
    for stage in &path[1..] {
        let changed = s.move_to(order.id, *stage).await;
        let mut got = Vec::new();
        while got.len() < 4 {
            let seen = tokio::time::timeout(PATIENCE, rx.recv())
                .await
                .expect("every client sees the change")
                .unwrap();
            assert_eq!((seen.1, seen.2), (*stage, changed.version), "{seen:?}");
            got.push(seen.0);
        }
        got.sort();
        assert_eq!(got, TRACKING.to_vec(), "each transport once");
    }
    for client in clients {
        tokio::time::timeout(PATIENCE, client)
            .await
            .expect("clients end at the final stage")
            .unwrap();
    }
    assert!(rx.recv().await.is_none(), "nothing delivered twice");

    let changes = (path.len() - 1) as u64;
    let report = counts(&s).await;
    for t in TRACKING {
        let c = report.get(t).unwrap();
        assert_eq!(c.updates_delivered, changes, "{t}: {c:?}");
        assert!(
            c.requests >= 1 && c.bytes_sent > 0 && c.bytes_received > 0,
            "{t}: {c:?}"
        );
        // Every update took less than the histogram's last bound (60 s).
        assert_eq!(
            c.staleness_buckets.last().copied(),
            Some(changes),
            "{t}: {c:?}"
        );
    }
    // Polling needed more than one request per change; SSE and WebSocket one connection.
    assert!(report.get(Transport::Poll).unwrap().requests > changes);
    assert_eq!(report.get(Transport::Sse).unwrap().requests, 1);
    assert_eq!(report.get(Transport::Ws).unwrap().requests, 1);
    s.stop().await;
}

#[tokio::test]
async fn polling_with_the_etag_gets_304_until_the_order_changes() {
    let s = TestServer::start().await;
    let order = s.create(None, Channel::Pickup).await;
    let url = s.url(&format!("/api/track/{}", order.tracking_token));
    let first = s.http.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"v{}\"", order.version));
    for tag in [etag.clone(), format!("W/{etag}"), format!("\"x\", {etag}")] {
        let again = s
            .http
            .get(&url)
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
    }
    // Tags that are not ours are ignored: the full answer.
    let foreign = s
        .http
        .get(&url)
        .header("if-none-match", "\"abc\"")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 200);

    let moved = s.move_to(order.id, Stage::Preparing).await;
    let changed = s
        .http
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let view: TrackedOrder = changed.json().await.unwrap();
    assert_eq!(
        (view.stage, view.version),
        (Stage::Preparing, moved.version)
    );

    let c = counts(&s).await;
    let poll = c.get(Transport::Poll).unwrap();
    assert_eq!(
        (
            poll.requests,
            poll.unchanged_answers,
            poll.updates_delivered
        ),
        (6, 3, 1)
    );
    s.stop().await;
}

#[tokio::test]
async fn a_long_poll_answers_at_once_when_newer_and_at_the_timeout_when_not() {
    let s = TestServer::start().await;
    let order = s.create(None, Channel::Pickup).await;
    let url = s.url(&format!("/api/track/{}/longpoll", order.tracking_token));

    // The client is behind: at once.
    let res = s
        .http
        .get(format!("{url}?after_version=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<TrackedOrder>().await.unwrap().version,
        order.version
    );

    // Nothing changes: 204 at the (one second) timeout.
    let res = s
        .http
        .get(format!(
            "{url}?after_version={}&timeout_secs=1",
            order.version
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    // A change while the request is held answers it with the new version.
    let held = tokio::spawn({
        let (http, url) = (s.http.clone(), url.clone());
        async move {
            http.get(format!(
                "{url}?after_version={}&timeout_secs=60",
                order.version
            ))
            .send()
            .await
            .unwrap()
        }
    });
    let waiting = async {
        while counts(&s)
            .await
            .get(Transport::Longpoll)
            .unwrap()
            .open_connections
            == 0
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, waiting)
        .await
        .expect("the long poll is held");
    let moved = s.move_to(order.id, Stage::Preparing).await;
    let res = tokio::time::timeout(PATIENCE, held)
        .await
        .expect("answered on the change")
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<TrackedOrder>().await.unwrap().version,
        moved.version
    );

    let c = counts(&s).await;
    let lp = c.get(Transport::Longpoll).unwrap();
    assert_eq!(
        (lp.requests, lp.unchanged_answers, lp.updates_delivered),
        (3, 1, 2)
    );
    assert_eq!(lp.open_connections, 0);

    // Bad input: clear 4xx answers in the API's error shape.
    for (query, status) in [
        ("?timeout_secs=0", 400),
        ("?timeout_secs=121", 400),
        ("?timeout_secs=abc", 400),
        ("?after_version=-1", 400),
        ("?after_version=99999999999999999999999", 400),
    ] {
        let res = s.http.get(format!("{url}{query}")).send().await.unwrap();
        assert_eq!(res.status(), status, "{query}");
        let body: orderboard_model::ApiErrorBody = res.json().await.unwrap();
        assert_eq!(
            body.error.code,
            orderboard_model::ErrorCode::BadRequest,
            "{query}"
        );
    }
    let unknown = s
        .http
        .get(s.url("/api/track/nope/longpoll"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    s.stop().await;
}

#[tokio::test]
async fn a_socket_resumes_after_a_sequence_number_and_closes_after_the_final_stage() {
    let s = TestServer::start().await;
    let order = s.create(Some("Grace"), Channel::Pickup).await;
    let other = s.create(Some("Linus"), Channel::Pickup).await;
    let url = ws_url(&s, &format!("/api/track/{}/ws", order.tracking_token));

    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let snapshot = next_message(&mut socket).await.unwrap();
    assert_eq!(snapshot.event, "snapshot");
    socket.close(None).await.unwrap();
    drop(socket);

    // Changes while the customer was away, to this order and another.
    s.move_to(order.id, Stage::Preparing).await;
    s.move_to(other.id, Stage::Preparing).await;
    s.move_to(order.id, Stage::Ready).await;

    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{url}?last_event_id={}", snapshot.id))
            .await
            .unwrap();
    let mut stages = Vec::new();
    for _ in 0..2 {
        let m = next_message(&mut socket).await.unwrap();
        assert_eq!(m.event, "order", "a replay, not a snapshot");
        let event: TrackEvent = serde_json::from_value(m.data).unwrap();
        assert_eq!(event.order.number, order.number, "only its own order");
        stages.push(event.order.stage);
    }
    assert_eq!(stages, [Stage::Preparing, Stage::Ready]);
    let collected = s.move_to(order.id, Stage::Collected).await;
    let last = next_message(&mut socket).await.unwrap();
    let event: TrackEvent = serde_json::from_value(last.data).unwrap();
    assert_eq!(
        (event.order.stage, event.order.version),
        (Stage::Collected, collected.version)
    );
    assert!(
        next_message(&mut socket).await.is_none(),
        "closed after the final stage"
    );

    // It already saw the end: 204, no socket. An id that is not ours: a reset.
    match tokio_tungstenite::connect_async(format!("{url}?last_event_id={}", last.id)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 204),
        other => panic!("expected 204, got {other:?}"),
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{url}?last_event_id=x"))
        .await
        .unwrap();
    let reset = next_message(&mut socket).await.unwrap();
    assert_eq!(reset.event, "reset");
    let state: TrackSnapshot = serde_json::from_value(reset.data).unwrap();
    assert_eq!(state.order.stage, Stage::Collected);
    assert!(next_message(&mut socket).await.is_none());

    // Unknown tokens are refused before the upgrade.
    match tokio_tungstenite::connect_async(ws_url(&s, "/api/track/nope/ws")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 404),
        other => panic!("expected 404, got {other:?}"),
    }
    s.wait_for_no_open_streams().await;
    let ws = counts(&s).await;
    assert_eq!(ws.get(Transport::Ws).unwrap().open_connections, 0);
    s.stop().await;
}

#[tokio::test]
async fn an_open_socket_ends_with_the_server() {
    let s = TestServer::start().await;
    let order = s.create(None, Channel::Pickup).await;
    let mut socket = open_socket(&s, &order.tracking_token).await;
    let stopping = tokio::spawn(async move { s.stop().await });
    assert!(
        next_message(&mut socket).await.is_none(),
        "closed on shutdown"
    );
    tokio::time::timeout(PATIENCE, stopping)
        .await
        .expect("the server stops")
        .unwrap();
}

#[tokio::test]
async fn metrics_are_in_the_prometheus_text_format() {
    let s = TestServer::start().await;
    let order = s.create(None, Channel::Pickup).await;
    s.http
        .get(s.url(&format!("/api/track/{}", order.tracking_token)))
        .send()
        .await
        .unwrap();
    let res = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    for line in [
        "# TYPE orderboard_transport_requests_total counter",
        "orderboard_transport_requests_total{transport=\"poll\"} 1",
        "# TYPE orderboard_transport_staleness_seconds histogram",
        "orderboard_transport_open_connections{transport=\"ws\"} 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn a_socket_that_sends_a_big_message_is_closed() {
    use futures_util::SinkExt;
    let s = TestServer::start().await;
    let order = s.create(None, Channel::Pickup).await;
    let mut socket = open_socket(&s, &order.tracking_token).await;
    socket
        .send(Message::text("x".repeat(64 * 1024)))
        .await
        .unwrap();
    // The server drops the socket: a close frame, an error or the end.
    let ended = async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    };
    tokio::time::timeout(PATIENCE, ended)
        .await
        .expect("the socket is closed");
    s.wait_for_no_open_streams().await;
    s.stop().await;
}
