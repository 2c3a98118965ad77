//! `GET /api/events`: the staff stream, its order, and its resume.

use crate::support::{SseClient, TestServer};
use orderboard_model::{ChangeKind, Channel, OrderEvent, StaffSnapshot, Stage};

#[tokio::test]
async fn create_then_advance_arrive_in_order_with_growing_ids() {
    let s = TestServer::start().await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    assert_eq!(sse.status, 200);
    let (id0, snap): (u64, StaffSnapshot) = sse.expect("snapshot").await;
    assert_eq!((id0, snap.as_of, snap.orders.len()), (0, 0, 0));

    let o = s.create(Some("Ada"), Channel::Pickup).await;
    s.move_to(o.id, Stage::Preparing).await;
    s.move_to(o.id, Stage::Ready).await;

    let mut last = id0;
    let expected = [
        (None, Stage::Received, ChangeKind::Created),
        (Some(Stage::Received), Stage::Preparing, ChangeKind::Advance),
        (Some(Stage::Preparing), Stage::Ready, ChangeKind::Advance),
    ];
    for (version, (from, to, kind)) in expected.into_iter().enumerate() {
        let (id, ev): (u64, OrderEvent) = sse.expect("order").await;
        assert!(id > last, "ids grow: {id} after {last}");
        last = id;
        assert_eq!(ev.seq, id);
        assert_eq!(
            (ev.change.from, ev.change.to, ev.change.kind),
            (from, to, kind)
        );
        assert_eq!(ev.order.id, o.id);
        assert_eq!(ev.order.version, version as u64 + 1);
        assert_eq!(ev.order.stage, to);
    }
    s.stop().await;
}

#[tokio::test]
async fn a_snapshot_lists_active_and_recently_finished_orders() {
    let s = TestServer::start().await;
    let a = s.create(Some("Ada"), Channel::Pickup).await;
    let b = s.create(Some("Grace"), Channel::Pickup).await;
    s.move_to(b.id, Stage::Cancelled).await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    let (id, snap): (u64, StaffSnapshot) = sse.expect("snapshot").await;
    assert_eq!(id, 3);
    assert_eq!(snap.as_of, 3);
    assert_eq!(
        snap.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![a.id]
    );
    assert_eq!(
        snap.recently_finished
            .iter()
            .map(|o| o.id)
            .collect::<Vec<_>>(),
        vec![b.id]
    );
    s.stop().await;
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_replays_exactly_what_was_missed() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Delivery).await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    let _: (u64, StaffSnapshot) = sse.expect("snapshot").await;
    s.move_to(o.id, Stage::Preparing).await;
    let (seen, _): (u64, OrderEvent) = sse.expect("order").await;
    drop(sse);

    // Changes made while the client was away.
    let other = s.create(None, Channel::Pickup).await;
    s.move_to(o.id, Stage::Ready).await;
    s.move_to(other.id, Stage::Cancelled).await;

    let mut sse = SseClient::connect(&s.url("/api/events"), Some(&seen.to_string())).await;
    let mut replayed = Vec::new();
    for _ in 0..3 {
        let (id, ev): (u64, OrderEvent) = sse.expect("order").await;
        replayed.push((id, ev.order.id, ev.change.to));
    }
    assert_eq!(
        replayed,
        vec![
            (seen + 1, other.id, Stage::Received),
            (seen + 2, o.id, Stage::Ready),
            (seen + 3, other.id, Stage::Cancelled)
        ]
    );
    // Then the live ones, with no duplicate of the replay.
    s.move_to(o.id, Stage::OutForDelivery).await;
    let (id, ev): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!((id, ev.change.to), (seen + 4, Stage::OutForDelivery));

    // The query parameter works as the header does.
    let mut by_query = SseClient::connect(
        &s.url(&format!("/api/events?last_event_id={}", seen + 2)),
        None,
    )
    .await;
    let (id, _): (u64, OrderEvent) = by_query.expect("order").await;
    assert_eq!(id, seen + 3);
    s.stop().await;
}

#[tokio::test]
async fn an_id_that_cannot_be_served_gets_a_reset() {
    let s = TestServer::start().await;
    s.create(Some("Ada"), Channel::Pickup).await;
    for bad in ["9999", "abc", "-1", "1.5", "18446744073709551616"] {
        let mut sse = SseClient::connect(&s.url("/api/events"), Some(bad)).await;
        let (id, snap): (u64, StaffSnapshot) = sse.expect("reset").await;
        assert_eq!(
            (id, snap.as_of, snap.orders.len()),
            (1, 1, 1),
            "Last-Event-ID {bad}"
        );
    }
    // The id of a snapshot on an empty log is 0, and 0 can be resumed.
    let mut sse = SseClient::connect(&s.url("/api/events"), Some("0")).await;
    let (id, _): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!(id, 1);
    s.stop().await;
}
