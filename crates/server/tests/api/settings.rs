//! `/api/settings`: validation, and the `settings` event reaching open and
//! resumed staff streams.

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, BoardSettingsEvent, BoardSnapshot, Settings, SettingsEvent, StaffSnapshot,
    Station,
};
use serde_json::json;

fn grill() -> Station {
    Station {
        id: "grill".into(),
        name: "Grill".into(),
        colour: "#cc3300".into(),
        prep_minutes: Some(12),
    }
}

#[tokio::test]
async fn defaults_then_a_change_is_kept() {
    let s = TestServer::start().await;
    let got: Settings = s
        .http
        .get(s.url("/api/settings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, Settings::default());
    let new = Settings {
        stations: vec![grill()],
        ageing_warn_secs: 120,
        ageing_late_secs: 240,
        board_ready_minutes: 0,
        ..Settings::default()
    };
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got: Settings = s
        .http
        .get(s.url("/api/settings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, new);
    s.stop().await;
}

#[tokio::test]
async fn bad_settings_are_refused_naming_the_field() {
    let s = TestServer::start().await;
    let base = serde_json::to_value(Settings {
        stations: vec![grill()],
        ..Settings::default()
    })
    .unwrap();
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("/stations/0/id", json!("Grill!"), "stations[0].id"),
        ("/stations/0/colour", json!("red"), "stations[0].colour"),
        ("/stations/0/name", json!("a\u{7}b"), "stations[0].name"),
        (
            "/stations/0/name",
            json!("x".repeat(10_000)),
            "stations[0].name",
        ),
        ("/ageing_late_secs", json!(10), "ageing_late_secs"),
    ];
    for (pointer, value, field) in cases {
        let mut body = base.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        let res = s
            .http
            .put(s.url("/api/settings"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{pointer}");
        let err: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(err.error.field.as_deref(), Some(field));
    }
    let mut many = base.clone();
    many["stations"] = json!((0..21)
        .map(|i| json!({"id": format!("s{i}"), "name": "S", "colour": "#000000"}))
        .collect::<Vec<_>>());
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&many)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let mut markup = base.clone();
    markup["stations"][0]["name"] = json!("<b>Grill & Bar</b>");
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&markup)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "markup is text");
    s.stop().await;
}

#[tokio::test]
async fn a_change_reaches_open_and_resumed_streams() {
    let s = TestServer::start().await;
    let mut staff = SseClient::connect(&s.url("/api/events"), None).await;
    let (as_of, snap): (u64, StaffSnapshot) = staff.expect("snapshot").await;
    assert_eq!(snap.settings, Settings::default());
    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let (_, _): (u64, BoardSnapshot) = board.expect("snapshot").await;

    let new = Settings {
        stations: vec![grill()],
        board_ready_minutes: 5,
        ..Settings::default()
    };
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (id, ev): (u64, SettingsEvent) = staff.expect("settings").await;
    assert_eq!((ev.seq, &ev.settings), (id, &new));
    let (bid, bev): (u64, BoardSettingsEvent) = board.expect("settings").await;
    assert_eq!((bid, bev.settings.ready_minutes), (id, 5));

    let mut resumed = SseClient::connect(&s.url("/api/events"), Some(&as_of.to_string())).await;
    let (rid, rev): (u64, SettingsEvent) = resumed.expect("settings").await;
    assert_eq!((rid, rev.settings), (id, new.clone()));

    let mut fresh = SseClient::connect(&s.url("/api/events"), None).await;
    let (_, snap): (u64, StaffSnapshot) = fresh.expect("snapshot").await;
    assert_eq!(snap.settings, new);
    s.stop().await;
}

/// Two nodes on one PostgreSQL (runs there only): a settings change made on
/// one reaches the other's staff streams (through the log, like any
/// change), and a scheduled order fires once with both nodes' fire loops
/// running.
#[tokio::test]
async fn on_two_nodes_settings_reach_both_and_a_scheduled_order_fires_once() {
    if !crate::support::on_postgres() {
        eprintln!("skipped: runs on PostgreSQL only (scripts/with-postgres)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared");
    let a = TestServer::start_on(&path).await;
    let b = TestServer::start_on(&path).await;
    let mut on_b = SseClient::connect(&b.url("/api/events"), None).await;
    let (_, _): (u64, StaffSnapshot) = on_b.expect("snapshot").await;
    let new = Settings {
        stations: vec![Station {
            prep_minutes: Some(1),
            ..grill()
        }],
        ..Settings::default()
    };
    let res = a
        .http
        .put(a.url("/api/settings"))
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, ev): (u64, SettingsEvent) = on_b.expect("settings").await;
    assert_eq!(ev.settings, new);

    let due = (time::OffsetDateTime::now_utc() + time::Duration::seconds(62))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let o: orderboard_model::Order = a
        .create_json(json!({"channel": "pickup", "due_at": due,
                            "items": [{"name": "Steak", "qty": 1, "station": "grill"}]}))
        .await;
    let (_, created): (u64, orderboard_model::OrderEvent) = on_b.expect("order").await;
    assert_eq!(created.order.id, o.id);
    let (_, fired): (u64, orderboard_model::OrderEvent) = on_b.expect("order").await;
    assert_eq!(
        (fired.order.id, fired.order.stage),
        (o.id, orderboard_model::Stage::Received)
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let now: orderboard_model::Order = b
        .http
        .get(b.url(&format!("/api/orders/{}", o.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now.version, 2, "fired once: {:?}", now.history);
    b.stop().await;
    a.stop().await;
}
