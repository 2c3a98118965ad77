//! A database made by the schema before API keys, idempotency records and
//! external references opens and migrates, keeping every order, history
//! entry and event: a screen resumes across the upgrade exactly.

use crate::support::{open_database_before, SseClient, TestServer};
use orderboard_model::{Order, OrderEvent, Stage};

/// The first migration of the integrations' schema.
const INTEGRATIONS: i64 = 20261203000001;

#[tokio::test]
async fn a_database_of_the_previous_schema_keeps_its_orders_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orderboard.db");
    let old = open_database_before(&path, INTEGRATIONS).await;
    let id = uuid::Uuid::new_v4().to_string();
    let json = serde_json::json!({
        "id": id, "number": 7, "customer": "Ada", "channel": "pickup",
        "items": [{"name": "Tea", "qty": 1}], "note": null, "stage": "preparing", "version": 2,
        "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:01:00Z",
        "history": [{"stage": "received", "at": "2026-12-01T10:00:00Z"},
                    {"stage": "preparing", "at": "2026-12-01T10:01:00Z"}],
        "tracking_token": "oldtoken123"
    })
    .to_string();
    let created = 1_764_583_200_000_i64;
    crate::on_database!(&old, pool => {
        sqlx::query(
            "INSERT INTO orders (id, number, customer, channel, items, note, stage, version,
                                 created_at, updated_at, tracking_token)
             VALUES ($1, 7, 'Ada', 'pickup', '[{\"name\":\"Tea\",\"qty\":1}]', NULL, 'preparing', 2,
                     $2, $3, 'oldtoken123')",
        )
        .bind(&id).bind(created).bind(created + 60_000)
        .execute(pool).await.unwrap();
        for (position, stage, at) in [(0, "received", created), (1, "preparing", created + 60_000)] {
            sqlx::query("INSERT INTO stage_history (order_id, position, stage, at) VALUES ($1, $2, $3, $4)")
                .bind(&id).bind(position as i64).bind(stage).bind(at)
                .execute(pool).await.unwrap();
        }
        for (seq, kind, from, to, at) in [
            (1_i64, "created", None, "received", created),
            (2, "advance", Some("received"), "preparing", created + 60_000),
        ] {
            sqlx::query(
                "INSERT INTO events (seq, order_id, kind, from_stage, to_stage, at, order_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(seq).bind(&id).bind(kind).bind(from).bind(to).bind(at).bind(&json)
            .execute(pool).await.unwrap();
        }
        if crate::support::on_postgres() {
            sqlx::query("UPDATE log_head SET seq = 2").execute(pool).await.unwrap();
        }
        sqlx::query("UPDATE display_number SET last = 7").execute(pool).await.unwrap();
        pool.close().await;
    });

    let s = TestServer::start_on(&path).await;
    let order: Order = s
        .http
        .get(s.url(&format!("/api/orders/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (order.number, order.stage, order.version),
        (7, Stage::Preparing, 2)
    );
    assert_eq!(order.history.len(), 2);
    assert_eq!(order.external_ref, None);
    // The log replays from the start, as before the upgrade, then goes on.
    let mut sse = SseClient::connect(&s.url("/api/events"), Some("0")).await;
    for seq in [1, 2] {
        let (got, event): (u64, OrderEvent) = sse.expect("order").await;
        assert_eq!((got, event.order.id.to_string()), (seq, id.clone()));
    }
    s.move_to(order.id, Stage::Ready).await;
    let (seq, event): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!((seq, event.order.stage), (3, Stage::Ready));
    // The new tables are there.
    let made = s.make_key("Till", &["orders:write"]).await;
    assert!(made.starts_with("obk_"));
    s.stop().await;
}

/// The first migration of the kitchen's schema (dine-in, scheduled orders,
/// item bumps and settings in the log).
const KITCHEN: i64 = 20261203000003;

/// A database of the schema before the kitchen's (the orders and events
/// tables rebuilt on SQLite) keeps its orders, their histories and the
/// whole log, and its sequence goes on from where it stood, even with the
/// log's newest events pruned.
#[tokio::test]
async fn a_database_of_the_schema_before_the_kitchen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orderboard.db");
    let old = open_database_before(&path, KITCHEN).await;
    let id = uuid::Uuid::new_v4().to_string();
    let created = 1_764_583_200_000_i64;
    let json = serde_json::json!({
        "id": id, "number": 9, "customer": "Grace", "channel": "delivery",
        "items": [{"name": "Soup", "qty": 2}], "note": "ring twice", "stage": "preparing", "version": 2,
        "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:01:00Z",
        "history": [{"stage": "received", "at": "2026-12-01T10:00:00Z"},
                    {"stage": "preparing", "at": "2026-12-01T10:01:00Z"}],
        "tracking_token": "kitchentoken1",
        "external_ref": {"source": "till-1", "id": "A-9"}
    })
    .to_string();
    crate::on_database!(&old, pool => {
        sqlx::query(
            "INSERT INTO orders (id, number, customer, channel, items, note, stage, version,
                                 created_at, updated_at, tracking_token, external_source, external_id)
             VALUES ($1, 9, 'Grace', 'delivery', '[{\"name\":\"Soup\",\"qty\":2}]', 'ring twice',
                     'preparing', 2, $2, $3, 'kitchentoken1', 'till-1', 'A-9')",
        )
        .bind(&id).bind(created).bind(created + 60_000)
        .execute(pool).await.unwrap();
        for (position, stage, at) in [(0, "received", created), (1, "preparing", created + 60_000)] {
            sqlx::query("INSERT INTO stage_history (order_id, position, stage, at) VALUES ($1, $2, $3, $4)")
                .bind(&id).bind(position as i64).bind(stage).bind(at)
                .execute(pool).await.unwrap();
        }
        // Events 1 and 2 kept; 3 to 5 were handed out and are gone.
        for (seq, kind, from, to, at) in [
            (1_i64, "created", None, "received", created),
            (2, "advance", Some("received"), "preparing", created + 60_000),
            (5, "advance", Some("received"), "preparing", created + 60_000),
        ] {
            sqlx::query(
                "INSERT INTO events (seq, order_id, kind, from_stage, to_stage, at, order_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(seq).bind(&id).bind(kind).bind(from).bind(to).bind(at).bind(&json)
            .execute(pool).await.unwrap();
        }
        sqlx::query("DELETE FROM events WHERE seq = 5").execute(pool).await.unwrap();
        if crate::support::on_postgres() {
            sqlx::query("UPDATE log_head SET seq = 5").execute(pool).await.unwrap();
        }
        sqlx::query("UPDATE display_number SET last = 9").execute(pool).await.unwrap();
        pool.close().await;
    });

    let s = TestServer::start_on(&path).await;
    let order: Order = s
        .http
        .get(s.url(&format!("/api/orders/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (order.number, order.stage, order.version),
        (9, Stage::Preparing, 2)
    );
    assert_eq!(order.history.len(), 2, "the history survived the rebuild");
    assert_eq!(order.items.len(), 1);
    let item = &order.items[0];
    assert!(item.modifiers.is_empty() && item.station.is_none() && !item.is_done());
    assert_eq!((order.table.as_deref(), order.due_at), (None, None));
    assert_eq!(
        order.external_ref.as_ref().map(|r| r.id.as_str()),
        Some("A-9")
    );

    // The log replays as before.
    let mut sse = SseClient::connect(&s.url("/api/events"), Some("0")).await;
    for seq in [1, 2] {
        let (got, event): (u64, OrderEvent) = sse.expect("order").await;
        assert_eq!((got, event.order.id.to_string()), (seq, id.clone()));
    }
    // The sequence goes on after the highest ever handed out (5), not 2.
    let bumped = s
        .http
        .post(s.url(&format!("/api/orders/{id}/items/0")))
        .json(&serde_json::json!({"done": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bumped.status(), 200);
    let (seq, event): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!(seq, 6);
    assert_eq!(
        event.order.stage,
        Stage::Ready,
        "its only item done: auto-ready"
    );
    // The new channel and stage are accepted; two active orders still never
    // share a number (the unique index came back).
    let dine: Order = s
        .create_json(serde_json::json!({"channel": "dine_in", "table": "4",
                                        "items": [{"name": "Tea", "qty": 1}]}))
        .await;
    assert_ne!(dine.number, 9);
    if !crate::support::on_postgres() {
        let pool = s.state.store.database().sqlite().unwrap();
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        for wanted in [
            "events_by_order",
            "orders_active_by_age",
            "orders_active_number",
            "orders_by_update",
            "orders_external_ref",
            "orders_to_fire",
        ] {
            assert!(
                indexes.iter().any(|i| i == wanted),
                "{wanted} in {indexes:?}"
            );
        }
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
    }
    s.stop().await;
}
