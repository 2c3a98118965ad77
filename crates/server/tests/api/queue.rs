//! A tracked order's place in the queue and its ready-time estimate, on the
//! single-order and the multi-order tracking streams: counted per channel,
//! moved live by other orders, sent only when the numbers change, and sent
//! again to a resumed stream.

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    Channel, Order, QueuePlace, Stage, TrackSnapshot, TracksQueue, TracksSnapshot,
};
use time::Duration;

fn track_url(s: &TestServer, o: &Order) -> String {
    s.url(&format!("/api/track/{}/events", o.tracking_token))
}

/// A tracking stream that returns its `queue` events.
async fn follow(s: &TestServer, o: &Order, last_event_id: Option<&str>) -> SseClient {
    let sse = SseClient::connect(&track_url(s, o), last_event_id).await;
    assert_eq!(sse.status, 200);
    sse.with_queue_events()
}

/// The next event, which must be a `queue` event without an id of its own
/// (as EventSource does, the client reports the last id it was sent).
async fn next_place(sse: &mut SseClient) -> QueuePlace {
    let last = sse.last_id.clone().unwrap_or_default();
    let e = sse.next().await.expect("a queue event");
    assert_eq!(e.event, "queue", "{e:?}");
    assert_eq!(e.id, last, "a place in the queue moves no id: {e:?}");
    let body: serde_json::Value = serde_json::from_str(&e.data).unwrap();
    serde_json::from_value(body["queue"].clone()).expect("a place")
}

/// The snapshot's place; if the queue had not yet heard of the order, the
/// `queue` event that follows.
async fn first_place(sse: &mut SseClient) -> (u64, QueuePlace) {
    let e = sse.next().await.expect("a snapshot");
    assert_eq!(e.event, "snapshot");
    let snap: TrackSnapshot = serde_json::from_str(&e.data).unwrap();
    match snap.queue {
        Some(place) => (snap.as_of, place),
        None => (snap.as_of, next_place(sse).await),
    }
}

fn received(o: &Order) -> time::OffsetDateTime {
    o.history[0].at
}

#[tokio::test]
async fn ahead_counts_the_waiting_orders_of_the_same_channel_received_earlier() {
    let s = TestServer::start().await;
    let p1 = s.create(Some("Ada"), Channel::Pickup).await;
    let p2 = s.create(Some("Grace"), Channel::Pickup).await;
    let d1 = s.create(Some("Edsger"), Channel::Delivery).await;
    let p3 = s.create(Some("Barbara"), Channel::Pickup).await;
    let gone = s.create(None, Channel::Pickup).await;
    s.move_to(p1.id, Stage::Preparing).await;
    s.move_to(gone.id, Stage::Cancelled).await;
    // One ahead readied: no longer waiting.
    let early = s.create(None, Channel::Delivery).await;
    s.move_to(early.id, Stage::Preparing).await;
    let d2 = s.create(None, Channel::Delivery).await;
    s.move_to(early.id, Stage::Ready).await;

    let mut places = Vec::new();
    for o in [&p1, &p2, &p3, &d1, &d2] {
        let (_, place) = first_place(&mut follow(&s, o, None).await).await;
        places.push(place);
    }
    let ahead: Vec<u32> = places.iter().map(|p| p.ahead).collect();
    assert_eq!(ahead, vec![0, 1, 2, 0, 1], "p1 p2 p3 d1 d2");
    // Fewer than three readied orders: the default of ten minutes.
    for (o, place) in [&p1, &p2, &p3, &d1, &d2].iter().zip(&places) {
        assert_eq!(place.typical_minutes, 10);
        assert_eq!(place.estimate_ready_at, received(o) + Duration::minutes(10));
    }

    // A ready order has no place.
    let mut sse = follow(&s, &early, None).await;
    let e = sse.next().await.unwrap();
    let snap: TrackSnapshot = serde_json::from_str(&e.data).unwrap();
    assert_eq!((snap.order.stage, snap.queue), (Stage::Ready, None));
    s.stop().await;
}

#[tokio::test]
async fn the_place_moves_live_when_an_order_ahead_is_readied_or_cancelled() {
    let s = TestServer::start().await;
    let p1 = s.create(None, Channel::Pickup).await;
    let p2 = s.create(None, Channel::Pickup).await;
    let p3 = s.create(None, Channel::Pickup).await;
    let mut sse = follow(&s, &p3, None).await;
    let (_, place) = first_place(&mut sse).await;
    assert_eq!(place.ahead, 2);

    s.move_to(p1.id, Stage::Preparing).await;
    s.move_to(p1.id, Stage::Ready).await;
    let place = next_place(&mut sse).await;
    assert_eq!(place.ahead, 1, "p1 readied");
    s.move_to(p2.id, Stage::Cancelled).await;
    assert_eq!(next_place(&mut sse).await.ahead, 0, "p2 cancelled");

    // A recalled order waits again, in its old place.
    s.move_to(p1.id, Stage::Preparing).await;
    assert_eq!(next_place(&mut sse).await.ahead, 1, "p1 recalled");

    // Its own order readied: the `order` event, and no place after it.
    s.move_to(p1.id, Stage::Ready).await;
    assert_eq!(next_place(&mut sse).await.ahead, 0);
    for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
        s.move_to(p3.id, to).await;
        let e = sse.next().await.unwrap();
        assert_eq!(e.event, "order", "{to}: {e:?}");
    }
    sse.expect_end().await;
    s.stop().await;
}

#[tokio::test]
async fn later_orders_and_the_other_channel_leave_the_place_alone() {
    let s = TestServer::start().await;
    let p1 = s.create(None, Channel::Pickup).await;
    let p2 = s.create(None, Channel::Pickup).await;
    let d1 = s.create(None, Channel::Delivery).await;
    let mut sse = follow(&s, &p2, None).await;
    assert_eq!(first_place(&mut sse).await.1.ahead, 1);

    // Behind p2, or in the other channel: p2's numbers stay as they are.
    let p3 = s.create(None, Channel::Pickup).await;
    s.move_to(p3.id, Stage::Preparing).await;
    s.move_to(p3.id, Stage::Cancelled).await;
    s.move_to(d1.id, Stage::Preparing).await;
    s.move_to(d1.id, Stage::Cancelled).await;
    s.create(None, Channel::Delivery).await;
    s.move_to(p1.id, Stage::Preparing).await;
    // The first event since the snapshot is the one p1's readiness sends:
    // nothing before it.
    s.move_to(p1.id, Stage::Ready).await;
    assert_eq!(next_place(&mut sse).await.ahead, 0);
    s.stop().await;
}

#[tokio::test]
async fn a_resumed_stream_is_sent_the_current_place() {
    let s = TestServer::start().await;
    let p1 = s.create(None, Channel::Pickup).await;
    let p2 = s.create(None, Channel::Pickup).await;
    let mut sse = follow(&s, &p2, None).await;
    let (as_of, place) = first_place(&mut sse).await;
    assert_eq!(place.ahead, 1);
    drop(sse);

    s.move_to(p1.id, Stage::Preparing).await;
    s.move_to(p1.id, Stage::Ready).await;
    // Nothing of p2's own to replay: its new place all the same, and the
    // client's last id stays where it was.
    let mut sse = follow(&s, &p2, Some(&as_of.to_string())).await;
    assert_eq!(next_place(&mut sse).await.ahead, 0);
    assert_eq!(sse.last_id, None, "no id was sent");

    // With something to replay: the change first, then the place.
    drop(sse);
    s.move_to(p2.id, Stage::Preparing).await;
    let mut sse = follow(&s, &p2, Some(&as_of.to_string())).await;
    let e = sse.next().await.unwrap();
    assert_eq!(e.event, "order");
    assert_eq!(next_place(&mut sse).await.ahead, 0);
    s.stop().await;
}

#[tokio::test]
async fn the_estimate_follows_how_long_recent_orders_took() {
    let s = TestServer::start().await;
    let mut earlier = Vec::new();
    for _ in 0..3 {
        earlier.push(s.create(None, Channel::Delivery).await);
    }
    let waiting = s.create(None, Channel::Pickup).await;
    let mut sse = follow(&s, &waiting, None).await;
    let (_, place) = first_place(&mut sse).await;
    assert_eq!(
        (place.ahead, place.typical_minutes),
        (0, 10),
        "nothing measured yet"
    );

    // Three orders readied at once (in well under a minute each): the
    // kitchen is fast now, and the estimate of an order of the other
    // channel moves with it.
    let mut readied: Vec<Order> = Vec::new();
    for o in &earlier {
        s.move_to(o.id, Stage::Preparing).await;
        readied.push(s.move_to(o.id, Stage::Ready).await);
    }
    let place = next_place(&mut sse).await;
    assert_eq!((place.ahead, place.typical_minutes), (0, 1));
    let took: Vec<Duration> = readied
        .iter()
        .map(|o| {
            let ready = o.history.iter().rev().find(|h| h.stage == Stage::Ready);
            ready.unwrap().at - received(o)
        })
        .collect();
    assert!(took.iter().all(|t| *t < Duration::seconds(30)), "{took:?}");
    // In the whole minutes the customer reads (at least one).
    assert_eq!(
        place.estimate_ready_at,
        received(&waiting) + Duration::minutes(1)
    );
    s.stop().await;
}

#[tokio::test]
async fn the_multi_order_stream_carries_each_place_named_by_its_token() {
    let s = TestServer::start().await;
    let p1 = s.create(None, Channel::Pickup).await;
    let p2 = s.create(None, Channel::Pickup).await;
    let d1 = s.create(None, Channel::Delivery).await;
    let url = s.url(&format!(
        "/api/track/events?tokens={},{}",
        p2.tracking_token, d1.tracking_token
    ));
    let mut sse = SseClient::connect(&url, None).await.with_queue_events();
    let e = sse.next().await.unwrap();
    assert_eq!(e.event, "snapshot");
    let snap: TracksSnapshot = serde_json::from_str(&e.data).unwrap();
    let mut ahead: Vec<(String, Option<u32>)> = snap
        .orders
        .iter()
        .map(|o| (o.token.clone(), o.queue.map(|q| q.ahead)))
        .collect();
    // The queue may not yet have heard of the newest order: its place follows.
    while ahead.iter().any(|(_, a)| a.is_none()) {
        let e = sse.next().await.unwrap();
        assert_eq!(e.event, "queue");
        let q: TracksQueue = serde_json::from_str(&e.data).unwrap();
        for (token, a) in &mut ahead {
            if *token == q.token {
                *a = q.queue.map(|q| q.ahead);
            }
        }
    }
    assert_eq!(
        ahead,
        vec![
            (p2.tracking_token.clone(), Some(1)),
            (d1.tracking_token.clone(), Some(0))
        ]
    );

    s.move_to(p1.id, Stage::Cancelled).await;
    let e = sse.next().await.unwrap();
    assert_eq!(e.event, "queue");
    assert_eq!(Some(e.id), sse.last_id, "no id of its own");
    let q: TracksQueue = serde_json::from_str(&e.data).unwrap();
    assert_eq!(q.token, p2.tracking_token);
    assert_eq!(q.queue.map(|q| q.ahead), Some(0));
    s.stop().await;
}
