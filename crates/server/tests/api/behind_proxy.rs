//! Orderboard behind a real nginx, configured with the shipped
//! deploy/nginx/orderboard.conf: the client address that a trusted proxy
//! forwards is what the stream caps, the sign-in back-off and the loopback
//! rule count; events and WebSockets pass through at once; a dead node's
//! requests go to a live one.
//!
//! Every test client is on this machine, so each gets a loopback address of
//! its own to send from (127.0.0.2, 127.0.0.3, ...), and nginx, which
//! connects to the nodes from 127.0.0.1, is the one trusted proxy.

use crate::nginx::Nginx;
use crate::support::{test_settings, SseClient, TestServer, PATIENCE};
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Stage};
use orderboard_server::client_addr::{parse_trusted_proxy, TrustedProxies};
use orderboard_server::StreamSettings;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const A: [u8; 4] = [127, 0, 0, 2];
const B: [u8; 4] = [127, 0, 0, 3];

fn trusting(proxies: &[&str]) -> TrustedProxies {
    TrustedProxies::new(proxies.iter().map(|p| parse_trusted_proxy(p).unwrap()))
}

/// Settings whose server trusts nginx, at 127.0.0.1.
fn behind_nginx() -> StreamSettings {
    let mut settings = test_settings();
    settings.limits.trusted_proxies = trusting(&["127.0.0.1"]);
    settings
}

/// An HTTP client that sends from this loopback address.
fn client_at(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .build()
        .unwrap()
}

fn node_addr(s: &TestServer) -> SocketAddr {
    s.base.trim_start_matches("http://").parse().unwrap()
}

/// A stream opened by this client, optionally with an X-Forwarded-For of
/// its own.
async fn open_stream(client: &reqwest::Client, url: &str, forwarded: Option<&str>) -> SseClient {
    let mut request = client.get(url).header("accept", "text/event-stream");
    if let Some(f) = forwarded {
        request = request.header("x-forwarded-for", f);
    }
    SseClient::from_response(request.send().await.unwrap())
}

/// Asserts a 503 with Retry-After in the API's error shape; returns its message.
async fn expect_overloaded(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 503);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Overloaded);
    body.error.message
}

#[tokio::test]
async fn per_client_stream_caps_count_the_forwarded_address() {
    let mut settings = behind_nginx();
    settings.limits.max_streams_per_client = 2;
    let s = TestServer::start_with_settings(settings).await;
    let nginx = Nginx::start(&[node_addr(&s)]).await;
    let board = nginx.url("/api/board/events");
    let (a, b) = (client_at(A), client_at(B));

    let mut a1 = open_stream(&a, &board, None).await;
    let mut a2 = open_stream(&a, &board, None).await;
    a1.expect::<serde_json::Value>("snapshot").await;
    a2.expect::<serde_json::Value>("snapshot").await;
    // A is at its cap, though every request reaches the server from nginx.
    let res = a.get(&board).send().await.unwrap();
    let message = expect_overloaded(res).await;
    assert!(message.contains("address"), "{message}");
    // Naming another address does not get A past it: nginx appends A's own.
    for spoof in ["127.0.0.9", "127.0.0.3", "127.0.0.1"] {
        let res = a
            .get(&board)
            .header("x-forwarded-for", spoof)
            .send()
            .await
            .unwrap();
        expect_overloaded(res).await;
    }
    // B, another client behind the same nginx, is let in.
    let mut b1 = open_stream(&b, &board, None).await;
    assert_eq!(b1.status, 200);
    b1.expect::<serde_json::Value>("snapshot").await;
    assert_eq!(s.health().await.open_streams.total, 3);
    drop((a1, a2, b1));
    s.wait_for_no_open_streams().await;
    nginx.stop();
    s.stop().await;
}

#[tokio::test]
async fn when_the_proxy_is_not_trusted_every_client_counts_as_the_proxy() {
    let mut settings = test_settings();
    settings.limits.max_streams_per_client = 2;
    let s = TestServer::start_with_settings(settings).await;
    let nginx = Nginx::start(&[node_addr(&s)]).await;
    let board = nginx.url("/api/board/events");
    let (a, b) = (client_at(A), client_at(B));

    let mut a1 = open_stream(&a, &board, None).await;
    let mut a2 = open_stream(&a, &board, None).await;
    a1.expect::<serde_json::Value>("snapshot").await;
    a2.expect::<serde_json::Value>("snapshot").await;
    // B is refused: to this server both are nginx, at 127.0.0.1, and the
    // forwarded addresses of a proxy it does not trust are ignored.
    expect_overloaded(b.get(&board).send().await.unwrap()).await;
    let res = b
        .get(&board)
        .header("x-forwarded-for", "127.0.0.3")
        .send()
        .await
        .unwrap();
    expect_overloaded(res).await;
    // Straight to the server, B is its own address.
    let mut direct = open_stream(&b, &s.url("/api/board/events"), None).await;
    assert_eq!(direct.status, 200);
    direct.expect::<serde_json::Value>("snapshot").await;
    drop((a1, a2, direct));
    s.wait_for_no_open_streams().await;
    nginx.stop();
    s.stop().await;
}

#[tokio::test]
async fn sign_in_back_off_is_per_forwarded_address() {
    let mut settings = behind_nginx();
    settings.auth.staff_passphrase = Some("correct horse".into());
    let s = TestServer::start_with_settings(settings).await;
    let nginx = Nginx::start(&[node_addr(&s)]).await;
    let session = nginx.url("/api/session");
    let (a, b) = (client_at(A), client_at(B));
    let sign_in = |client: &reqwest::Client, passphrase: &str, forwarded: Option<&str>| {
        let mut request = client
            .post(&session)
            .json(&serde_json::json!({ "passphrase": passphrase }));
        if let Some(f) = forwarded {
            request = request.header("x-forwarded-for", f);
        }
        request.send()
    };

    // A fails until it must wait (after three failures, for a second, then
    // two, ...: however slow the machine, a few tries reach it).
    let mut locked = None;
    for _ in 0..8 {
        let res = sign_in(&a, "wrong", None).await.unwrap();
        if res.status() == 429 {
            locked = Some(res);
            break;
        }
        assert_eq!(res.status(), 401);
    }
    let res = locked.expect("failed sign-ins from A are throttled");
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::TooManyRequests);
    // A naming another address in X-Forwarded-For is still A, even with
    // the right passphrase.
    let res = sign_in(&a, "correct horse", Some("127.0.0.9"))
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // B is not held back by A's failures.
    assert_eq!(sign_in(&b, "wrong", None).await.unwrap().status(), 401);
    assert_eq!(
        sign_in(&b, "correct horse", None).await.unwrap().status(),
        204
    );
    nginx.stop();
    s.stop().await;
}

/// Without a passphrase, staff requests are accepted from this computer
/// only: the forwarded address is what must be loopback. A proxy at
/// 127.0.0.2 in front of nginx (both trusted) forwards a client on
/// another machine.
#[tokio::test]
async fn the_loopback_rule_goes_by_the_forwarded_address() {
    let mut settings = test_settings();
    settings.limits.trusted_proxies = trusting(&["127.0.0.1", "127.0.0.2"]);
    let s = TestServer::start_with_settings(settings).await;
    let nginx = Nginx::start(&[node_addr(&s)]).await;
    let (front_proxy, b) = (client_at(A), client_at(B));
    let elsewhere = "192.0.2.7";

    let res = front_proxy
        .get(nginx.url("/api/orders"))
        .header("x-forwarded-for", elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Forbidden);
    let res = front_proxy
        .get(nginx.url("/api/events"))
        .header("x-forwarded-for", elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The first passphrase, too, is set on this computer only.
    let res = front_proxy
        .put(nginx.url("/api/session/passphrase"))
        .header("x-forwarded-for", elsewhere)
        .json(&serde_json::json!({ "passphrase": "from afar" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(!s.state.sessions.sign_in_required());
    // The front proxy's own requests come from this computer.
    let res = front_proxy
        .get(nginx.url("/api/orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // B is not a trusted proxy: what it says it forwards is ignored, and it
    // is on this computer.
    let res = b
        .get(nginx.url("/api/orders"))
        .header("x-forwarded-for", elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    nginx.stop();
    s.stop().await;
}

/// Each stream's events come through nginx as the server writes them:
/// with a heartbeat of a minute, nothing else would push a held-back event
/// out within the seconds allowed here.
#[tokio::test]
async fn events_flow_through_nginx_unbuffered() {
    let mut settings = behind_nginx();
    settings.heartbeat = Duration::from_secs(60);
    let s = TestServer::start_with_settings(settings).await;
    let nginx = Nginx::start(&[node_addr(&s)]).await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let client = client_at(A);
    let track = format!("/api/track/{}/events", order.tracking_token);
    let mut streams = Vec::new();
    for path in ["/api/events", "/api/board/events", track.as_str()] {
        let mut sse = open_stream(&client, &nginx.url(path), None).await;
        assert_eq!(sse.status, 200, "{path}");
        assert_eq!(sse.headers["content-type"], "text/event-stream", "{path}");
        sse.expect::<serde_json::Value>("snapshot").await;
        streams.push((path, sse));
    }
    s.move_to(order.id, Stage::Preparing).await;
    let moved = tokio::time::Instant::now();
    for (path, sse) in &mut streams {
        let event = tokio::time::timeout(Duration::from_secs(5), sse.next())
            .await
            .unwrap_or_else(|_| panic!("{path}: the change was held back"))
            .expect("the stream is open");
        assert_eq!(event.event, "order", "{path}");
    }
    assert!(moved.elapsed() < Duration::from_secs(5));
    drop(streams);
    s.wait_for_no_open_streams().await;
    nginx.stop();
    s.stop().await;
}

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A WebSocket to `path` through nginx, from this loopback address.
async fn socket_from(
    ip: [u8; 4],
    nginx: &Nginx,
    path: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.bind(SocketAddr::new(IpAddr::from(ip), 0)).unwrap();
    let tcp = tcp.connect(nginx.addr()).await.unwrap();
    let url = format!("ws://{}{path}", nginx.addr());
    tokio_tungstenite::client_async(url, tcp)
        .await
        .map(|(socket, _)| socket)
}

/// The next text message's event name.
async fn next_event(socket: &mut Socket) -> String {
    use futures_util::StreamExt;
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a message arrives")
            .expect("the socket is open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            return value["event"].as_str().unwrap().to_string();
        }
    }
}

#[tokio::test]
async fn a_tracking_websocket_upgrades_through_nginx() {
    let mut settings = behind_nginx();
    settings.limits.max_streams_per_client = 1;
    let s = TestServer::start_with_settings(settings).await;
    let nginx = Nginx::start(&[node_addr(&s)]).await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let path = format!("/api/track/{}/ws", order.tracking_token);

    let mut socket = socket_from(A, &nginx, &path).await.unwrap();
    assert_eq!(next_event(&mut socket).await, "snapshot");
    s.move_to(order.id, Stage::Preparing).await;
    assert_eq!(next_event(&mut socket).await, "order");
    // The socket counts against A's forwarded address: A's second is
    // refused, B's is let in.
    match socket_from(A, &nginx, &path).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 503),
        other => panic!("expected 503, got {other:?}"),
    }
    let mut other = socket_from(B, &nginx, &path).await.unwrap();
    assert_eq!(next_event(&mut other).await, "snapshot");
    // Elsewhere, a client's Upgrade is not passed on: the usual answer.
    let res = client_at(A)
        .get(nginx.url("/api/health"))
        .header("upgrade", "websocket")
        .header("connection", "upgrade")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    drop((socket, other));
    nginx.stop();
    s.stop().await;
}

#[tokio::test]
async fn a_dead_node_s_requests_go_to_a_live_one() {
    let s = TestServer::start_with_settings(behind_nginx()).await;
    // Nothing listens there: connections to it are refused.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let nginx = Nginx::start(&[dead, node_addr(&s)]).await;
    let client = client_at(A);
    let new_order = serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]});
    // POSTs whose connection was refused were never sent: they go on.
    for _ in 0..4 {
        let res = client
            .post(nginx.url("/api/orders"))
            .json(&new_order)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    assert!(
        nginx.error_log().contains("Connection refused"),
        "the dead node was tried: {}",
        nginx.error_log()
    );
    // Each order was made once.
    let orders: Vec<orderboard_model::Order> = client
        .get(nginx.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orders.len(), 4);

    // No node left: a 503 in the API's error shape, with Retry-After.
    s.stop().await;
    let res = client.get(nginx.url("/api/health")).send().await.unwrap();
    let message = expect_overloaded(res).await;
    assert!(message.contains("no Orderboard server"), "{message}");
    nginx.stop();
}
