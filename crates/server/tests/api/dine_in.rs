//! Dine-in orders: their table, their path to `served`, and whether
//! customer boards show them (a setting boards follow at once).

use crate::support::{SseClient, TestServer};
use orderboard_model::{ApiErrorBody, BoardEvent, BoardSnapshot, Channel, Order, Settings, Stage};
use serde_json::json;

async fn try_create(s: &TestServer, body: serde_json::Value) -> reqwest::Response {
    s.http
        .post(s.url("/api/orders"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_table_is_required_for_dine_in_and_refused_elsewhere() {
    let s = TestServer::start().await;
    let item = json!([{"name": "Soup", "qty": 1}]);
    for (body, field) in [
        (json!({"channel": "dine_in", "items": item}), "table"),
        (
            json!({"channel": "dine_in", "items": item, "table": "12345678901"}),
            "table",
        ),
        (
            json!({"channel": "dine_in", "items": item, "table": "T\u{0}1"}),
            "table",
        ),
        (
            json!({"channel": "pickup", "items": item, "table": "4"}),
            "table",
        ),
        (
            json!({"channel": "dine_in", "table": "4", "items": [{"name": "Soup", "qty": 1, "note": "n\u{1b}"}]}),
            "items[0].note",
        ),
        (
            json!({"channel": "dine_in", "table": "4", "items": [{"name": "Soup", "qty": 1, "modifiers": ["x".repeat(10_000)]}]}),
            "items[0].modifiers[0]",
        ),
    ] {
        let res = try_create(&s, body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
        let err: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(err.error.field.as_deref(), Some(field), "{body}");
    }
    let o: Order = s
        .create_json(json!({"channel": "dine_in", "table": "<T4>", "items": [
            {"name": "Soup", "qty": 1, "modifiers": ["<no> \"onions\""], "note": "allergy & co"}
        ]}))
        .await;
    assert_eq!(o.table.as_deref(), Some("<T4>"));
    assert_eq!(o.items[0].modifiers, ["<no> \"onions\""]);
    let mut last = o;
    for stage in [Stage::Preparing, Stage::Ready, Stage::Served] {
        last = s.move_to(last.id, stage).await;
    }
    assert!(last.stage.is_final());
    // Tracking never shows the item's note.
    let tracked = s
        .http
        .get(s.url(&format!("/api/track/{}", last.tracking_token)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        tracked.contains("onions") && !tracked.contains("allergy"),
        "{tracked}"
    );
    s.stop().await;
}

#[tokio::test]
async fn boards_show_dine_in_orders_only_when_the_setting_says_so() {
    let s = TestServer::start().await;
    let pickup = s.create(Some("Ada"), Channel::Pickup).await;
    let table = s.create(Some("Bob"), Channel::DineIn).await;
    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let (_, snap): (u64, BoardSnapshot) = board.expect("snapshot").await;
    let numbers: Vec<u32> = snap.orders.iter().map(|o| o.number).collect();
    assert_eq!(numbers, [pickup.number]);

    // A change to the dine-in order is not sent to boards; the pickup's is.
    s.move_to(table.id, Stage::Preparing).await;
    s.move_to(pickup.id, Stage::Preparing).await;
    let (_, ev): (u64, BoardEvent) = board.expect("order").await;
    assert_eq!(ev.order.number, pickup.number);

    // Turned on: open boards get their new state at once.
    let on = Settings {
        dine_in_on_board: true,
        ..Settings::default()
    };
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&on)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, reset): (u64, BoardSnapshot) = board.expect("reset").await;
    let mut numbers: Vec<u32> = reset.orders.iter().map(|o| o.number).collect();
    numbers.sort();
    let mut want = vec![pickup.number, table.number];
    want.sort();
    assert_eq!(numbers, want);
    s.move_to(table.id, Stage::Ready).await;
    let (_, ev): (u64, BoardEvent) = board.expect("order").await;
    assert_eq!(
        (ev.order.number, ev.order.stage),
        (table.number, Stage::Ready)
    );
    s.stop().await;
}
