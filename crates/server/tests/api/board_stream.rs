//! `GET /api/board/events`: the public board carries number, first name and
//! stage, and nothing private.

use crate::support::{SseClient, TestServer};
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
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: snapshot") {
        let n = get.read(&mut buf).await.unwrap();
        assert!(n > 0, "the stream opened");
        seen.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&seen).to_lowercase();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("http/1.0 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(!head.contains("transfer-encoding") && !head.contains("content-length"), "{head}");
    assert!(body.starts_with("retry: "), "frames as they are, no chunk sizes: {body:?}");

    let mut head_only = ask("HEAD").await;
    let mut all = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), head_only.read_to_end(&mut all))
        .await
        .expect("the connection ends after the head")
        .unwrap();
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.0 200"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "nothing after the head: {text:?}");
    drop(get);
    s.wait_for_no_open_streams().await;
    s.stop().await;
}
