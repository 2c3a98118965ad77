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
