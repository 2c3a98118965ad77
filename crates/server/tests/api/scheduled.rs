//! Scheduled orders: `due_at` checks, the `scheduled` stage, and the fire
//! loop moving an order into `received` once, at its fire time.

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, BoardSnapshot, ChangeKind, Order, OrderEvent, Settings, StaffSnapshot, Stage,
    Station,
};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn at(offset: time::Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn a_due_time_must_be_ahead_and_within_a_week() {
    let s = TestServer::start().await;
    for due in [
        at(-time::Duration::minutes(1)),
        at(time::Duration::days(8)),
        "tomorrow".to_string(),
    ] {
        let res = s
            .http
            .post(s.url("/api/orders"))
            .json(
                &json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}], "due_at": due}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{due}");
        if due != "tomorrow" {
            let err: ApiErrorBody = res.json().await.unwrap();
            assert_eq!(err.error.field.as_deref(), Some("due_at"));
        }
    }
    // Staff may fire a scheduled order early, or cancel one; never back.
    let o: Order = s
        .create_json(
            json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}],
                            "due_at": at(time::Duration::days(2))}),
        )
        .await;
    assert_eq!(o.stage, Stage::Scheduled);
    assert_eq!(s.try_move(o.id, Stage::Preparing, None).await.status(), 409);
    let fired = s.move_to(o.id, Stage::Received).await;
    assert_eq!(fired.stage, Stage::Received);
    assert_eq!(s.try_move(o.id, Stage::Scheduled, None).await.status(), 409);
    let c: Order = s
        .create_json(
            json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}],
                            "due_at": at(time::Duration::days(2))}),
        )
        .await;
    let c = s.move_to(c.id, Stage::Cancelled).await;
    assert_eq!(s.try_move(c.id, Stage::Scheduled, None).await.status(), 409);
    s.stop().await;
}

#[tokio::test]
async fn an_order_fires_once_at_its_due_time_less_its_station_prep_time() {
    let s = TestServer::start().await;
    let settings = Settings {
        stations: vec![Station {
            id: "bar".into(),
            name: "Bar".into(),
            colour: "#0000ff".into(),
            prep_minutes: Some(1),
        }],
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
    let mut staff = SseClient::connect(&s.url("/api/events"), None).await;
    let (_, _): (u64, StaffSnapshot) = staff.expect("snapshot").await;
    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let (_, snap): (u64, BoardSnapshot) = board.expect("snapshot").await;
    assert!(snap.orders.is_empty());

    // Due in a minute and three seconds; the bar takes a minute: fires in ~3 s.
    let o: Order = s
        .create_json(json!({"channel": "pickup", "customer": "Ada",
                            "items": [{"name": "Mojito", "qty": 1, "station": "bar"}],
                            "due_at": at(time::Duration::seconds(63))}))
        .await;
    assert_eq!(o.stage, Stage::Scheduled);
    let (_, created): (u64, OrderEvent) = staff.expect("order").await;
    assert_eq!(created.order.stage, Stage::Scheduled);
    let (_, fired): (u64, OrderEvent) = staff.expect("order").await;
    assert_eq!(
        (fired.change.kind, fired.change.from, fired.change.to),
        (ChangeKind::Advance, Some(Stage::Scheduled), Stage::Received)
    );
    let fired_at = fired.at;
    assert!(
        fired_at >= o.due_at.unwrap() - time::Duration::seconds(61),
        "not before its fire time"
    );
    // Boards meet the order when it enters the kitchen.
    let (_, ev): (u64, orderboard_model::BoardEvent) = board.expect("order").await;
    assert_eq!(
        (ev.order.number, ev.order.stage),
        (o.number, Stage::Received)
    );

    // Exactly once: one advance in the order's history.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let now: Order = s
        .http
        .get(s.url(&format!("/api/orders/{}", o.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now.version, 2);
    let stages: Vec<Stage> = now.history.iter().map(|h| h.stage).collect();
    assert_eq!(stages, [Stage::Scheduled, Stage::Received]);
    s.stop().await;
}
