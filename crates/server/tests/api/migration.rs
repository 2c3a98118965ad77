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
