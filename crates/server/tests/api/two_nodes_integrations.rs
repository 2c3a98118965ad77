//! API keys and `Idempotency-Key` across two nodes sharing one PostgreSQL
//! (runs there only): requests with one key sent to both nodes at once make
//! one order; a key revoked on one node is refused, and its open stream
//! ended, on the other.

use crate::support::{on_postgres, SseClient, TestServer};
use orderboard_model::{ApiKeyInfo, Order, StaffSnapshot};

/// Two servers on one database, or `None` on SQLite (one node per file).
async fn two_nodes() -> Option<(tempfile::TempDir, TestServer, TestServer)> {
    if !on_postgres() {
        eprintln!("skipped: runs on PostgreSQL only (scripts/with-postgres)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared");
    let a = TestServer::start_on(&path).await;
    let b = TestServer::start_on(&path).await;
    Some((dir, a, b))
}

const NEW: &str = r#"{"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}"#;

#[tokio::test]
async fn one_key_sent_to_both_nodes_at_once_makes_one_order() {
    let Some((_dir, a, b)) = two_nodes().await else {
        return;
    };
    let send = |s: &TestServer| {
        s.http
            .post(s.url("/api/orders"))
            .header("idempotency-key", "shared-key")
            .header("content-type", "application/json")
            .body(NEW)
            .send()
    };
    let answers =
        futures_util::future::join_all((0..20).map(|i| send(if i % 2 == 0 { &a } else { &b })))
            .await;
    let mut bodies = Vec::new();
    for res in answers {
        let res = res.unwrap();
        let status = res.status().as_u16();
        // Each is the order, or (asked while the other node was writing it)
        // a 409 to retry.
        assert!(status == 201 || status == 409, "{status}");
        if status == 201 {
            bodies.push(res.text().await.unwrap());
        }
    }
    assert!(!bodies.is_empty());
    assert!(bodies.iter().all(|b| *b == bodies[0]));
    let orders: Vec<Order> = a
        .http
        .get(a.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
    // A retry on either node now gets the one answer.
    for s in [&a, &b] {
        let res = send(s).await.unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(res.text().await.unwrap(), bodies[0]);
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_key_revoked_on_one_node_ends_its_stream_on_the_other() {
    let Some((_dir, a, b)) = two_nodes().await else {
        return;
    };
    let key = a.make_key("Screen", &["orders:read"]).await;
    let res = b
        .http
        .get(b.url("/api/events"))
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {key}"))
        .send()
        .await
        .unwrap();
    let mut sse = SseClient::from_response(res);
    assert_eq!(sse.status, 200);
    let _: (u64, StaffSnapshot) = sse.expect("snapshot").await;
    let keys: Vec<ApiKeyInfo> = a
        .http
        .get(a.url("/api/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = a
        .http
        .delete(a.url(&format!("/api/keys/{}", keys[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    // Within the recheck (5 s; the client waits up to 15 s).
    sse.expect_end().await;
    let res = b
        .http
        .get(b.url("/api/orders"))
        .header("authorization", format!("Bearer {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    b.stop().await;
    a.stop().await;
}
