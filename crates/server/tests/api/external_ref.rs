//! An order's `external_ref`: kept with the order (and in its events),
//! unique per source (409 with the order that carries it), searchable with
//! `?external_ref=source:id`, and checked part by part (422 naming it).

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, ErrorCode, ExternalRef, Order, OrderEvent, StaffSnapshot, Stage,
};

fn new_order(source: &str, id: &str) -> serde_json::Value {
    serde_json::json!({
        "customer": "Ada", "channel": "pickup",
        "items": [{"name": "Tea", "qty": 1}],
        "external_ref": {"source": source, "id": id}
    })
}

async fn create(s: &TestServer, body: &serde_json::Value) -> reqwest::Response {
    s.http
        .post(s.url("/api/orders"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn search(s: &TestServer, query: &str) -> reqwest::Response {
    s.http
        .get(s.url(&format!("/api/orders?{query}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_external_ref_is_kept_unique_per_source_and_found() {
    let s = TestServer::start().await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    let _: (u64, StaffSnapshot) = sse.expect("snapshot").await;

    let res = create(&s, &new_order("till-1", "A-1043")).await;
    assert_eq!(res.status(), 201);
    let first: Order = res.json().await.unwrap();
    let wanted = ExternalRef {
        source: "till-1".into(),
        id: "A-1043".into(),
    };
    assert_eq!(first.external_ref.as_ref(), Some(&wanted));
    let (_, event): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!(event.order.external_ref.as_ref(), Some(&wanted));

    // The same reference again: 409, with the order that carries it.
    let res = create(&s, &new_order("till-1", "A-1043")).await;
    assert_eq!(res.status(), 409);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::ExternalRefInUse);
    assert_eq!(body.error.order.as_deref().map(|o| o.id), Some(first.id));
    // Another source may use the same id.
    assert_eq!(
        create(&s, &new_order("till-2", "A-1043")).await.status(),
        201
    );

    // Found by its reference, in any stage; read back with the order.
    s.move_to(first.id, Stage::Cancelled).await;
    let found: Vec<Order> = search(&s, "external_ref=till-1:A-1043")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    assert_eq!(found[0].stage, Stage::Cancelled);
    assert_eq!(found[0].external_ref.as_ref(), Some(&wanted));
    let found: Vec<Order> = search(&s, "external_ref=till-1:A-9999")
        .await
        .json()
        .await
        .unwrap();
    assert!(found.is_empty());
    let got: Order = s
        .http
        .get(s.url(&format!("/api/orders/{}", first.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got.external_ref, Some(wanted));
    // A cancelled order still holds its reference.
    assert_eq!(
        create(&s, &new_order("till-1", "A-1043")).await.status(),
        409
    );
    s.stop().await;
}

#[tokio::test]
async fn a_malformed_external_ref_is_refused_naming_its_part() {
    let s = TestServer::start().await;
    for (source, id, field) in [
        ("", "A-1", "external_ref.source"),
        ("till 1", "A-1", "external_ref.source"),
        (&*"s".repeat(65), "A-1", "external_ref.source"),
        ("till-1", "", "external_ref.id"),
        ("till-1", "A 1", "external_ref.id"),
        ("till-1", &*"i".repeat(129), "external_ref.id"),
    ] {
        let res = create(&s, &new_order(source, id)).await;
        assert_eq!(res.status(), 422, "{source:?} {id:?}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.field.as_deref(), Some(field));
    }
    let res = create(
        &s,
        &serde_json::json!({
            "channel": "pickup", "items": [{"name": "Tea", "qty": 1}],
            "external_ref": {"source": "till-1"}
        }),
    )
    .await;
    assert_eq!(res.status(), 422);
    for query in [
        "external_ref=till-1",
        "external_ref=:A",
        "external_ref=till%201:A",
    ] {
        let res = search(&s, query).await;
        assert_eq!(res.status(), 422, "{query}");
        res.json::<ApiErrorBody>().await.unwrap();
    }
    s.stop().await;
}
