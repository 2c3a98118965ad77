//! `/api/menu`: the menu, its checks, and stations resolved from it when an
//! order is made.

use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, Menu, Order, Settings, Station};
use serde_json::json;

async fn with_grill(s: &TestServer) {
    let settings = Settings {
        stations: vec![Station {
            id: "grill".into(),
            name: "Grill".into(),
            colour: "#aa0000".into(),
            prep_minutes: None,
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
}

#[tokio::test]
async fn a_menu_is_kept_checked_and_gives_items_their_station() {
    let s = TestServer::start().await;
    let empty: Menu = s
        .http
        .get(s.url("/api/menu"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(empty.items.is_empty());
    let menu = json!({"items": [
        {"name": "Burger", "category": "Mains", "station": "grill"},
        {"name": "Cola", "category": "Drinks"}
    ]});
    // The station must exist in the settings.
    let res = s
        .http
        .put(s.url("/api/menu"))
        .json(&menu)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("items[0].station"));
    with_grill(&s).await;
    let res = s
        .http
        .put(s.url("/api/menu"))
        .json(&menu)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got: Menu = s
        .http
        .get(s.url("/api/menu"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got.items.len(), 2);

    let twice = json!({"items": [
        {"name": "Burger", "category": "Mains"}, {"name": "burger", "category": "Mains"}
    ]});
    let res = s
        .http
        .put(s.url("/api/menu"))
        .json(&twice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    let order: Order = s
        .create_json(json!({"channel": "pickup", "items": [
            {"name": "burger", "qty": 1},
            {"name": "Cola", "qty": 1},
            {"name": "Off-menu soup", "qty": 1},
            {"name": "Cola", "qty": 1, "station": "grill"}
        ]}))
        .await;
    let stations: Vec<Option<&str>> = order.items.iter().map(|i| i.station.as_deref()).collect();
    assert_eq!(stations, [Some("grill"), None, None, Some("grill")]);

    let res = s
        .http
        .post(s.url("/api/orders"))
        .json(&json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1, "station": "bar"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(err.error.field.as_deref(), Some("items[0].station"));
    s.stop().await;
}
