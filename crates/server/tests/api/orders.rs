//! `/api/orders`: creating, reading and listing orders.

use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Order, Stage, TrackedOrder};
use std::collections::HashSet;

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

/// The URL-safe base64 alphabet, in its order: a character's index is the
/// six bits it stands for.
const URL_SAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A tracking token is 144 random bits (18 bytes) written as unpadded
/// URL-safe base64: 24 characters, 6 bits each. Random means the tokens of
/// consecutive orders share no structure: not a counter, not hex, not a few
/// random bytes padded out.
#[tokio::test]
async fn tracking_tokens_are_144_random_bits_written_url_safe() {
    let s = TestServer::start().await;
    let mut tokens = Vec::new();
    for _ in 0..32 {
        let token = s.create(None, Channel::Pickup).await.tracking_token;
        assert_eq!(token.len(), 24, "{token:?}: 18 bytes, unpadded base64");
        assert!(
            token.chars().all(|c| URL_SAFE.contains(c)),
            "{token:?}: URL-safe base64 only"
        );
        tokens.push(token);
    }
    let distinct: HashSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), tokens.len(), "a token per order");

    // 768 characters drawn at random use almost all of the 64 (hex could
    // use 16, a counter in base64 a handful).
    let symbols: HashSet<char> = tokens.iter().flat_map(|t| t.chars()).collect();
    assert!(
        symbols.len() >= 48,
        "only {} symbols in {tokens:?}",
        symbols.len()
    );
    // Every position varies from order to order: no fixed prefix or suffix.
    for i in 0..24 {
        let at_i: HashSet<u8> = tokens.iter().map(|t| t.as_bytes()[i]).collect();
        assert!(at_i.len() >= 8, "position {i} barely varies: {tokens:?}");
    }
    // Half of the 4,608 bits are ones, give or take 10% (about 7 standard
    // deviations): no byte is left as zero padding.
    let ones: u32 = tokens
        .iter()
        .flat_map(|t| t.chars())
        .map(|c| URL_SAFE.find(c).unwrap().count_ones())
        .sum();
    let bits = 32 * 144;
    assert!(
        ones.abs_diff(bits / 2) < bits / 20,
        "{ones} of {bits} bits are ones"
    );
    s.stop().await;
}

/// A tracking token opens its own order and no other; a token that is off
/// by one character, a letter's case, or a character too many or too few
/// opens nothing, and neither do the order's id or number.
#[tokio::test]
async fn a_tracking_token_reaches_exactly_its_own_order() {
    let s = TestServer::start().await;
    let mine = s.create(Some("Ada Lovelace"), Channel::Pickup).await;
    let other = s.create(Some("Grace Hopper"), Channel::Delivery).await;
    s.move_to(other.id, Stage::Preparing).await;

    let track = |token: String| {
        let s = &s;
        async move {
            s.http
                .get(s.url(&format!("/api/track/{token}")))
                .send()
                .await
                .unwrap()
        }
    };
    for (order, name, stage) in [
        (&mine, "Ada", Stage::Received),
        (&other, "Grace", Stage::Preparing),
    ] {
        let res = track(order.tracking_token.clone()).await;
        assert_eq!(res.status(), 200);
        let view: TrackedOrder = res.json().await.unwrap();
        assert_eq!(
            (view.number, view.name.as_deref(), view.channel, view.stage),
            (order.number, Some(name), order.channel, stage),
            "the token of #{} opens #{}",
            order.number,
            view.number
        );
    }

    let token = &mine.tracking_token;
    let changed_at = |i: usize| {
        let mut bytes = token.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let mut near_misses = vec![
        changed_at(0),
        changed_at(11),
        changed_at(23),
        token[..23].to_string(),
        format!("{token}A"),
        format!("A{token}"),
        mine.id.to_string(),
        mine.number.to_string(),
    ];
    if let Some(i) = token.find(|c: char| c.is_ascii_alphabetic()) {
        let mut swapped = token.clone().into_bytes();
        swapped[i] ^= 0x20; // the other case
        near_misses.push(String::from_utf8(swapped).unwrap());
    }
    for wrong in near_misses {
        assert_ne!(&wrong, token);
        let res = track(wrong.clone()).await;
        assert_eq!(res.status(), 404, "{wrong:?} (the token is {token:?})");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::NotFound);
    }
    s.stop().await;
}
