//! A restart on the same database file loses nothing and replays exactly;
//! shutdown ends open streams instead of waiting on them forever.

use crate::support::{SseClient, TestServer};
use orderboard_model::{Channel, Order, OrderEvent, StaffSnapshot, Stage};

#[tokio::test]
async fn a_restart_on_the_same_file_still_replays_exactly() {
    let s = TestServer::start().await;
    let path = s.db_path.clone();
    let a = s.create(Some("Ada"), Channel::Pickup).await;
    let mut sse = SseClient::connect(&s.url("/api/events"), None).await;
    let mut stays = SseClient::connect(&s.url("/api/events"), None).await;
    let (seen, _): (u64, StaffSnapshot) = sse.expect("snapshot").await;
    let _: (u64, StaffSnapshot) = stays.expect("snapshot").await;
    s.move_to(a.id, Stage::Preparing).await;
    let b = s.create(Some("Grace"), Channel::Delivery).await;
    for _ in 0..2 {
        sse.expect::<OrderEvent>("order").await;
    }
    let last_seen = sse.last_id.clone().unwrap();
    assert_eq!(last_seen, (seen + 2).to_string());
    drop(sse); // the screen loses its connection...
    s.move_to(b.id, Stage::Preparing).await; // ...while this is acknowledged

    // Shutdown ends the streams that are still open, after what they were sent.
    let dir = s.stop().await;
    for _ in 0..3 {
        stays.expect::<OrderEvent>("order").await;
    }
    stays.expect_end().await;

    let s = TestServer::start_on(&path).await;
    let orders: Vec<Order> = s
        .http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[1].stage, Stage::Preparing);

    s.move_to(a.id, Stage::Ready).await; // made after the restart
    let mut sse = SseClient::connect(&s.url("/api/events"), Some(&last_seen)).await;
    let (id1, e1): (u64, OrderEvent) = sse.expect("order").await;
    let (id2, e2): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!(
        (id1, e1.order.id, e1.change.to),
        (seen + 3, b.id, Stage::Preparing)
    );
    assert_eq!(
        (id2, e2.order.id, e2.change.to),
        (seen + 4, a.id, Stage::Ready)
    );
    let new = s.create(None, Channel::Pickup).await;
    let (id3, e3): (u64, OrderEvent) = sse.expect("order").await;
    assert_eq!(
        (id3, e3.order.id),
        (seen + 5, new.id),
        "ids keep growing after a restart"
    );
    s.stop().await;
    drop(dir);
}

#[tokio::test]
async fn shutdown_ends_every_kind_of_open_stream() {
    let s = TestServer::start().await;
    let o = s.create(None, Channel::Pickup).await;
    let mut clients = vec![
        SseClient::connect(&s.url("/api/events"), None).await,
        SseClient::connect(&s.url("/api/board/events"), None).await,
        SseClient::connect(
            &s.url(&format!("/api/track/{}/events", o.tracking_token)),
            None,
        )
        .await,
    ];
    for c in &mut clients {
        c.next().await.unwrap();
    }
    s.stop().await;
    for c in &mut clients {
        c.expect_end().await;
    }
}
