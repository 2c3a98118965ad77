//! `POST /api/orders/{id}/items/{index}`: item bumps, the stage moves they
//! make, their conflicts, and their events on every stream.

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, BoardEvent, BoardSnapshot, ChangeKind, Channel, ErrorCode, ItemChange, Order,
    OrderEvent, Settings, StaffSnapshot, Stage,
};
use serde_json::json;

async fn bump(
    s: &TestServer,
    id: uuid::Uuid,
    index: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    s.http
        .post(s.url(&format!("/api/orders/{id}/items/{index}")))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn bumped(s: &TestServer, id: uuid::Uuid, index: u16, done: bool) -> Order {
    let res = bump(s, id, &index.to_string(), json!({"done": done})).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    res.json().await.unwrap()
}

async fn set_auto_ready(s: &TestServer, on: bool) {
    let settings = Settings {
        auto_ready: on,
        ..Settings::default()
    };
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_first_item_done_starts_preparing_and_the_last_makes_it_ready() {
    let s = TestServer::start().await;
    let o = s.create(Some("Ada"), Channel::Pickup).await;
    assert_eq!(o.items.len(), 2);
    let a = bumped(&s, o.id, 1, true).await;
    assert_eq!((a.stage, a.version), (Stage::Preparing, 2));
    assert!(a.items[1].is_done() && !a.items[0].is_done());
    // Un-bumping never moves the order back.
    let b = bumped(&s, o.id, 1, false).await;
    assert_eq!((b.stage, b.items[1].is_done()), (Stage::Preparing, false));
    bumped(&s, o.id, 1, true).await;
    let c = bumped(&s, o.id, 0, true).await;
    assert_eq!((c.stage, c.version), (Stage::Ready, 5));
    let stages: Vec<Stage> = c.history.iter().map(|h| h.stage).collect();
    assert_eq!(stages, [Stage::Received, Stage::Preparing, Stage::Ready]);
    s.stop().await;
}

#[tokio::test]
async fn with_auto_ready_off_the_order_waits_for_staff() {
    let s = TestServer::start().await;
    set_auto_ready(&s, false).await;
    let o = s.create(None, Channel::Delivery).await;
    bumped(&s, o.id, 0, true).await;
    let last = bumped(&s, o.id, 1, true).await;
    assert_eq!(last.stage, Stage::Preparing);
    assert!(last.all_items_done());
    set_auto_ready(&s, true).await;
    // Both done at once from received, auto-ready on: received, preparing, ready.
    let p = s.create(None, Channel::Pickup).await;
    bumped(&s, p.id, 0, true).await;
    let p = bumped(&s, p.id, 1, true).await;
    assert_eq!(p.stage, Stage::Ready);
    s.stop().await;
}

#[tokio::test]
async fn wrong_items_final_orders_and_stale_versions_are_refused() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    for index in ["2", "65536", "x", "-1"] {
        let res = bump(&s, o.id, index, json!({"done": true})).await;
        assert_eq!(res.status(), 404, "index {index}");
    }
    let res = bump(&s, uuid::Uuid::new_v4(), "0", json!({"done": true})).await;
    assert_eq!(res.status(), 404);
    let res = bump(&s, o.id, "0", json!({"done": "yes"})).await;
    assert_eq!(res.status(), 422);

    // Another screen bumped first: the stale version gets 409 with the real state.
    bumped(&s, o.id, 0, true).await;
    let res = bump(&s, o.id, "1", json!({"done": true, "expected_version": 1})).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::VersionConflict);
    let real = body.error.order.unwrap();
    assert_eq!((real.version, real.stage), (2, Stage::Preparing));
    assert!(real.items[0].is_done());

    s.move_to(o.id, Stage::Ready).await;
    s.move_to(o.id, Stage::Collected).await;
    let res = bump(&s, o.id, "1", json!({"done": true})).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::StageConflict);
    assert_eq!(body.error.order.unwrap().stage, Stage::Collected);
    s.stop().await;
}

#[tokio::test]
async fn each_bump_is_an_event_on_the_staff_stream_and_on_resume_and_boards_see_moves() {
    let s = TestServer::start().await;
    let mut staff = SseClient::connect(&s.url("/api/events"), None).await;
    let (_, _): (u64, StaffSnapshot) = staff.expect("snapshot").await;
    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let (_, _): (u64, BoardSnapshot) = board.expect("snapshot").await;

    let o = s.create(None, Channel::Pickup).await;
    let (created, _): (u64, OrderEvent) = staff.expect("order").await;
    bumped(&s, o.id, 0, true).await; // received -> preparing
    bumped(&s, o.id, 0, false).await; // no move
    bumped(&s, o.id, 0, true).await; // no move
    bumped(&s, o.id, 1, true).await; // preparing -> ready

    let want = [
        (0, true, Stage::Received, Stage::Preparing),
        (0, false, Stage::Preparing, Stage::Preparing),
        (0, true, Stage::Preparing, Stage::Preparing),
        (1, true, Stage::Preparing, Stage::Ready),
    ];
    let mut live = Vec::new();
    for _ in want {
        let (_, ev): (u64, OrderEvent) = staff.expect("order").await;
        live.push(ev);
    }
    for (ev, (index, done, from, to)) in live.iter().zip(want) {
        assert_eq!(ev.change.kind, ChangeKind::Item);
        assert_eq!(ev.change.item, Some(ItemChange { index, done }));
        assert_eq!((ev.change.from, ev.change.to), (Some(from), to));
    }

    // A resumed stream replays exactly the same events.
    let mut resumed = SseClient::connect(&s.url("/api/events"), Some(&created.to_string())).await;
    for ev in &live {
        let (_, again): (u64, OrderEvent) = resumed.expect("order").await;
        assert_eq!(&again, ev);
    }

    // Boards see the creation and the two bumps that moved the order, only.
    let (_, c): (u64, BoardEvent) = board.expect("order").await;
    assert_eq!(c.change.kind, ChangeKind::Created);
    let (id1, p): (u64, BoardEvent) = board.expect("order").await;
    assert_eq!((p.order.stage, id1), (Stage::Preparing, live[0].seq));
    let (id2, r): (u64, BoardEvent) = board.expect("order").await;
    assert_eq!((r.order.stage, id2), (Stage::Ready, live[3].seq));
    s.stop().await;
}
