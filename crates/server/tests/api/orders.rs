//! `/api/orders`: creating, reading and listing orders.

use crate::support::TestServer;
use orderboard_model::{Channel, Order, Stage};

#[tokio::test]
async fn create_answers_201_with_location_and_the_order() {
    let s = TestServer::start().await;
    let res = s
        .http
        .post(s.url("/api/orders"))
        .json(&serde_json::json!({
            "customer": "  Ada Lovelace ",
            "channel": "delivery",
            "items": [{"name": "Shakshuka", "qty": 1}],
            "note": "ring twice"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let order: Order = res.json().await.unwrap();
    assert_eq!(location, format!("/api/orders/{}", order.id));
    assert_eq!(order.customer.as_deref(), Some("Ada Lovelace"));
    assert_eq!(order.channel, Channel::Delivery);
    assert_eq!(order.stage, Stage::Received);
    assert_eq!(order.version, 1);
    assert_eq!(order.number, 1);
    assert_eq!(order.history.len(), 1);
    assert_eq!(order.history[0].stage, Stage::Received);
    assert!(order.tracking_token.len() >= 22, "at least 128 bits");

    let fetched: Order = s
        .http
        .get(s.url(&location))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, order);
    s.stop().await;
}

#[tokio::test]
async fn list_shows_active_orders_oldest_first_and_filters_by_stage() {
    let s = TestServer::start().await;
    let a = s.create(Some("Ada"), Channel::Pickup).await;
    let b = s.create(Some("Grace"), Channel::Delivery).await;
    let c = s.create(None, Channel::Pickup).await;
    s.move_to(b.id, Stage::Preparing).await;
    s.move_to(c.id, Stage::Cancelled).await;

    let all: Vec<Order> = s
        .http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![a.id, b.id]
    );
    let preparing: Vec<Order> = s
        .http
        .get(s.url("/api/orders?stage=preparing"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preparing.len(), 1);
    assert_eq!(preparing[0].id, b.id);
    assert_eq!(preparing[0].history.len(), 2);
    s.stop().await;
}

#[tokio::test]
async fn display_numbers_are_distinct_among_active_orders() {
    let s = TestServer::start().await;
    let mut numbers = Vec::new();
    for _ in 0..5 {
        numbers.push(s.create(None, Channel::Pickup).await.number);
    }
    assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
    s.stop().await;
}

#[tokio::test]
async fn tracking_tokens_differ_per_order() {
    let s = TestServer::start().await;
    let a = s.create(None, Channel::Pickup).await;
    let b = s.create(None, Channel::Pickup).await;
    assert_ne!(a.tracking_token, b.tracking_token);
    s.stop().await;
}
