//! `/api/track/{token}`: one customer's order, and only theirs.

use crate::support::{SseClient, TestServer};
use orderboard_model::{Channel, Stage, TrackEvent, TrackSnapshot, TrackedItem, TrackedOrder};

#[tokio::test]
async fn the_tracking_view_has_no_private_fields() {
    let s = TestServer::start().await;
    let o = s.create(Some("Ada Lovelace"), Channel::Pickup).await;
    let text = s
        .http
        .get(s.url(&format!("/api/track/{}", o.tracking_token)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let view: TrackedOrder = serde_json::from_str(&text).unwrap();
    assert_eq!(view.number, o.number);
    let items: Vec<TrackedItem> = o.items.iter().map(TrackedItem::from).collect();
    assert_eq!(view.items, items);
    for private in [
        o.tracking_token.as_str(),
        "no onions",
        "Lovelace",
        &o.id.to_string(),
    ] {
        assert!(!text.contains(private), "tracking view leaks {private:?}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_tracking_stream_carries_only_its_order_and_ends_at_the_final_stage() {
    let s = TestServer::start().await;
    let mine = s.create(Some("Ada"), Channel::Pickup).await;
    let other = s.create(Some("Grace"), Channel::Pickup).await;
    let url = s.url(&format!("/api/track/{}/events", mine.tracking_token));
    let mut sse = SseClient::connect(&url, None).await;
    let (_, snap): (u64, TrackSnapshot) = sse.expect("snapshot").await;
    assert_eq!(snap.order.number, mine.number);

    s.move_to(other.id, Stage::Preparing).await;
    s.move_to(mine.id, Stage::Preparing).await;
    s.move_to(other.id, Stage::Ready).await;
    s.move_to(mine.id, Stage::Ready).await;
    s.move_to(mine.id, Stage::Collected).await;

    let mut stages = Vec::new();
    while let Some(e) = sse.next().await {
        assert_eq!(e.event, "order");
        let ev: TrackEvent = serde_json::from_str(&e.data).unwrap();
        assert_eq!(ev.order.number, mine.number, "only its own order");
        assert!(!e.data.contains(&other.tracking_token) && !e.data.contains("Grace"));
        stages.push(ev.order.stage);
    }
    assert_eq!(
        stages,
        vec![Stage::Preparing, Stage::Ready, Stage::Collected],
        "ends after the final stage"
    );

    // A client that saw the final state and reconnects is told to stop: 204.
    let again = SseClient::connect(&url, sse.last_id.as_deref()).await;
    assert_eq!(again.status, 204);
    // A fresh visit still gets the final state, then the end.
    let mut fresh = SseClient::connect(&url, None).await;
    let (_, snap): (u64, TrackSnapshot) = fresh.expect("snapshot").await;
    assert_eq!(snap.order.stage, Stage::Collected);
    fresh.expect_end().await;
    let after_fresh = SseClient::connect(&url, fresh.last_id.as_deref()).await;
    assert_eq!(after_fresh.status, 204);
    s.stop().await;
}

#[tokio::test]
async fn a_tracking_stream_resumes_with_its_own_missed_changes() {
    let s = TestServer::start().await;
    let mine = s.create(None, Channel::Delivery).await;
    let url = s.url(&format!("/api/track/{}/events", mine.tracking_token));
    let mut sse = SseClient::connect(&url, None).await;
    let (seen, _): (u64, TrackSnapshot) = sse.expect("snapshot").await;
    drop(sse);
    let other = s.create(None, Channel::Pickup).await;
    s.move_to(mine.id, Stage::Preparing).await;
    s.move_to(other.id, Stage::Preparing).await;
    s.move_to(mine.id, Stage::Ready).await;
    let mut sse = SseClient::connect(&url, Some(&seen.to_string())).await;
    let (_, a): (u64, TrackEvent) = sse.expect("order").await;
    let (_, b): (u64, TrackEvent) = sse.expect("order").await;
    assert_eq!(
        (a.order.stage, b.order.stage),
        (Stage::Preparing, Stage::Ready)
    );
    s.stop().await;
}

#[tokio::test]
async fn an_unknown_token_answers_404() {
    let s = TestServer::start().await;
    s.create(None, Channel::Pickup).await;
    let sse = SseClient::connect(&s.url("/api/track/AAAAAAAAAAAAAAAAAAAAAAAA/events"), None).await;
    assert_eq!(sse.status, 404);
    s.stop().await;
}
